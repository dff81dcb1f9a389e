// PUT /api/v1/board/connection (F1.1) and GET /api/v1/board/users against
// the board simulator: the permission check, what is saved, what is not.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "hbsync/board/api.hpp"
#include "hbsync/tenant/board_users.hpp"
#include "settings_test_support.hpp"

namespace hbsync::admin::settings_test {
namespace {

TEST_F(SettingsRoutesTest, BoardConnectionIsCheckedThenSavedWithTheBoardUsers) {
  const std::string id = stack().make_tenant();
  const int64_t before = version(id);
  make_board_account("settings-new-key-" + id, "settings-new-token-" + id, R"(["*"])");
  const auto response = api(stack().sign_in(id), "PUT", "/api/v1/board/connection",
                            R"({"api_key":"settings-new-key-)" + id +
                                R"(","api_token":"settings-new-token-)" + id + R"("})");
  ASSERT_EQ(response.status, 200) << response.body;
  const auto doc = parse(response.body);
  EXPECT_STREQ(doc["verdict"].GetString(), "ok");
  EXPECT_EQ(doc["operations"].Size(), board::required_operations().size());
  for (const auto& op : doc["operations"].GetArray()) {
    EXPECT_STREQ(op["state"].GetString(), "allowed") << op["operation"].GetString();
  }
  EXPECT_EQ(doc["version"].GetInt64(), before + 1);
  const auto saved = stack().store().get(id);
  EXPECT_EQ(saved->board.api_key, "settings-new-key-" + id);
  EXPECT_EQ(saved->board.api_token, "settings-new-token-" + id);
  EXPECT_EQ(saved->schedule.time, "03:00");  // the rest as it was
  const auto users = tenant::load_board_users(stack().redis(), stack().store().keyring(), id);
  ASSERT_TRUE(users);
  ASSERT_EQ(users->users.size(), 1u);
  EXPECT_EQ(users->users.front().email, "sato@settings-test.example");
}

TEST_F(SettingsRoutesTest, ATokenLackingAnOperationIsNamedAndNothingIsSaved) {
  const std::string id = stack().make_tenant();
  const int64_t before = version(id);
  std::string operations;
  for (auto op : board::required_operations()) {
    if (op == board::Operation::clients_create) continue;
    operations += (operations.empty() ? "\"" : ",\"") + std::string(board::operation_id(op)) + "\"";
  }
  make_board_account("settings-partial-key-" + id, "settings-partial-token-" + id,
                     "[" + operations + "]");
  const auto response = api(stack().sign_in(id), "PUT", "/api/v1/board/connection",
                            R"({"api_key":"settings-partial-key-)" + id +
                                R"(","api_token":"settings-partial-token-)" + id + R"("})");
  ASSERT_EQ(response.status, 422) << response.body;
  const auto doc = parse(response.body);
  EXPECT_EQ(error_code(doc), "board_permissions_missing");
  EXPECT_STREQ(doc["verdict"].GetString(), "missing_operations");
  const std::string message = doc["message"].GetString();
  const std::string missing(board::operation_label(board::Operation::clients_create));
  EXPECT_NE(message.find(missing), std::string::npos) << message;
  for (const auto& op : doc["operations"].GetArray()) {
    const bool create = std::string(op["operation"].GetString()) == "clients.create";
    EXPECT_STREQ(op["state"].GetString(), create ? "missing" : "allowed")
        << op["operation"].GetString();
  }
  EXPECT_EQ(version(id), before);
  EXPECT_EQ(stack().store().get(id)->board.api_key, stack().tenant(id).board_api_key);
}

TEST_F(SettingsRoutesTest, AWrongKeyIsInvalidAndNothingIsSaved) {
  const std::string id = stack().make_tenant();
  const int64_t before = version(id);
  const Browser browser = stack().sign_in(id);
  const auto response = api(browser, "PUT", "/api/v1/board/connection",
                            R"({"api_key":"no-such-key","api_token":"no-such-token"})");
  ASSERT_EQ(response.status, 422) << response.body;
  const auto doc = parse(response.body);
  EXPECT_EQ(error_code(doc), "board_credentials_invalid");
  EXPECT_STREQ(doc["verdict"].GetString(), "invalid_credentials");
  EXPECT_TRUE(japanese(doc["message"].GetString()));
  EXPECT_EQ(version(id), before);

  const auto blank = api(browser, "PUT", "/api/v1/board/connection",
                         R"({"api_key":"key with spaces","api_token":"t"})");
  EXPECT_EQ(blank.status, 400) << blank.body;
  EXPECT_EQ(error_code(parse(blank.body)), "invalid_parameter");
  EXPECT_EQ(version(id), before);
}

TEST_F(SettingsRoutesTest, BoardUsersForThePicker) {
  const std::string id = stack().make_tenant();
  const auto response = api(stack().sign_in(id), "GET", "/api/v1/board/users");
  ASSERT_EQ(response.status, 200) << response.body;
  const auto doc = parse(response.body);
  std::vector<int64_t> ids;
  for (const auto& u : doc["users"].GetArray()) {
    ids.push_back(u["id"].GetInt64());
    EXPECT_STREQ(u["name"].GetString(), "山田 太郎");
    EXPECT_TRUE(u["valid"].GetBool());
  }
  EXPECT_EQ(ids, stack().tenant(id).board_user_ids);

  const std::string unconnected = stack().make_tenant({.board_connected = false});
  const auto none = api(stack().sign_in(unconnected), "GET", "/api/v1/board/users");
  EXPECT_EQ(none.status, 503) << none.body;
  EXPECT_EQ(error_code(parse(none.body)), "not_connected");
}

TEST_F(SettingsRoutesTest, BoardDownIsUnavailableAndNothingIsSaved) {
  const std::string id = stack().make_tenant();
  const Browser browser = stack().sign_in(id);
  const int64_t before = version(id);
  make_board_account("settings-down-key-" + id, "settings-down-token-" + id, R"(["*"])");
  {
    Outage outage(stack().board());
    const auto response = api(browser, "PUT", "/api/v1/board/connection",
                              R"({"api_key":"settings-down-key-)" + id +
                                  R"(","api_token":"settings-down-token-)" + id + R"("})");
    ASSERT_EQ(response.status, 503) << response.body;
    const auto doc = parse(response.body);
    EXPECT_EQ(error_code(doc), "board_unavailable");
    EXPECT_STREQ(doc["verdict"].GetString(), "unavailable");
    const auto users = api(browser, "GET", "/api/v1/board/users");
    EXPECT_EQ(users.status, 503) << users.body;
    EXPECT_EQ(error_code(parse(users.body)), "board_unavailable");
  }
  EXPECT_EQ(version(id), before);
  EXPECT_EQ(stack().store().get(id)->board.api_key, stack().tenant(id).board_api_key);
}

}  // namespace
}  // namespace hbsync::admin::settings_test
