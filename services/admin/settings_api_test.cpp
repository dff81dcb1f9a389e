// The admin API's connections, mapping and settings routes (F1.1, F1.3, F2,
// F6; docs/admin-api.yaml "connections, mapping, settings") against the
// HubSpot and board simulators, a real Redis and the real session layer.
// Every answer is checked against the OpenAPI contract.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/pointer.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "hbsync/board/api.hpp"
#include "hbsync/tenant/board_users.hpp"
#include "test_support.hpp"

namespace hbsync::admin {
namespace {

using rapidjson::Pointer;
using testing::AdminStack;
using testing::Browser;
using testing::expect_contract;

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str(), text.size());
  EXPECT_FALSE(doc.HasParseError()) << text;
  return doc;
}

std::string to_text(const rapidjson::Value& value) {
  rapidjson::StringBuffer out;
  rapidjson::Writer<rapidjson::StringBuffer> w(out);
  value.Accept(w);
  return out.GetString();
}

// Hiragana or katakana: the message is a Japanese sentence.
bool japanese(const std::string& text) {
  for (size_t i = 0; i + 2 < text.size(); ++i) {
    const auto b0 = static_cast<unsigned char>(text[i]);
    const auto b1 = static_cast<unsigned char>(text[i + 1]);
    if (b0 == 0xE3 && b1 >= 0x81 && b1 <= 0x83) return true;
  }
  return false;
}

std::string error_code(const rapidjson::Document& doc) {
  const auto* code = Pointer("/error/code").Get(doc);
  return code != nullptr && code->IsString() ? code->GetString() : "";
}

// The field errors of a 422 answer at `field`.
std::vector<const rapidjson::Value*> errors_at(const rapidjson::Document& doc,
                                               const std::string& field) {
  std::vector<const rapidjson::Value*> found;
  if (!doc.HasMember("errors") || !doc["errors"].IsArray()) return found;
  for (const auto& e : doc["errors"].GetArray()) {
    if (e["field"].GetString() == field) found.push_back(&e);
  }
  return found;
}

// Fails unless the 422 answer has an error with `code` at `field` whose
// message is Japanese; returns that message.
std::string expect_error(const rapidjson::Document& doc, const std::string& field,
                         const std::string& code) {
  for (const auto* e : errors_at(doc, field)) {
    if ((*e)["code"].GetString() != code) continue;
    const std::string message = (*e)["message"].GetString();
    EXPECT_TRUE(japanese(message)) << field << ": " << message;
    return message;
  }
  ADD_FAILURE() << "no " << code << " error at " << field << " in " << to_text(doc);
  return "";
}

class SettingsRoutesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { stack_ = std::make_unique<AdminStack>(); }
  static void TearDownTestSuite() { stack_.reset(); }

  static AdminStack& stack() { return *stack_; }

  // One API call as `browser`, its answer checked against the contract.
  static http::ClientResponse api(const Browser& browser, const std::string& method,
                                  const std::string& path, const std::string& body = "") {
    http::ClientResponse response = stack().send(browser, method, path, body);
    expect_contract(method, path, response);
    return response;
  }

  static int64_t version(const std::string& tenant_id) {
    return stack().store().version(tenant_id);
  }

  // PUT /api/v1/settings with the settings GET answered, changed by `edit`.
  template <class Edit>
  static http::ClientResponse put_edited(const Browser& browser, Edit edit,
                                         int64_t version_delta = 0) {
    auto got = parse(api(browser, "GET", "/api/v1/settings").body);
    rapidjson::Document body;
    body.SetObject();
    auto& a = body.GetAllocator();
    body.AddMember("version", got["version"].GetInt64() + version_delta, a);
    rapidjson::Value settings(got["settings"], a);
    body.AddMember("settings", settings, a);
    edit(body);
    return api(browser, "PUT", "/api/v1/settings", to_text(body));
  }

  // A board account in the simulator whose token has `operations`.
  static void make_board_account(const std::string& key, const std::string& token,
                                 const std::string& operations) {
    stack().board().control(
        "POST", "/_sim/accounts",
        R"({"api_key":")" + key + R"(","tokens":[{"token":")" + token + R"(","operations":)" +
            operations +
            R"(}],"users":[{"email":"sato@settings-test.example","last_name":"佐藤","first_name":"花子"}]})");
  }

  static std::unique_ptr<AdminStack> stack_;
};

std::unique_ptr<AdminStack> SettingsRoutesTest::stack_;

TEST_F(SettingsRoutesTest, GetSettingsIsTheTenantsMaskedDocumentWithItsVersion) {
  const std::string id = stack().make_tenant();
  const auto response = api(stack().sign_in(id), "GET", "/api/v1/settings");
  ASSERT_EQ(response.status, 200) << response.body;
  auto doc = parse(response.body);
  EXPECT_EQ(doc["version"].GetInt64(), version(id));
  EXPECT_STREQ(Pointer("/settings/tenant_id").Get(doc)->GetString(), id.c_str());
  EXPECT_STREQ(Pointer("/settings/board/api_key").Get(doc)->GetString(), "(set)");
  EXPECT_STREQ(Pointer("/settings/hubspot/access_token").Get(doc)->GetString(), "(set)");
  const auto& made = stack().tenant(id);
  for (const auto& secret :
       {made.board_api_key, made.board_api_token, made.hubspot_token, made.user}) {
    EXPECT_EQ(response.body.find(secret), std::string::npos) << "credential in the answer";
  }
}

TEST_F(SettingsRoutesTest, PutSettingsSavesEveryF6SettingAndKeepsTheCredentials) {
  const std::string id = stack().make_tenant();
  const Browser browser = stack().sign_in(id);
  const int64_t before = version(id);
  const int64_t second_user = stack().tenant(id).board_user_ids.back();
  const auto response = put_edited(browser, [&](rapidjson::Document& body) {
    Pointer("/settings/hubspot/link_property").Set(body, "board_link");
    Pointer("/settings/company_field_mapping/abbreviation_words/0").Set(body, "一般社団法人");
    Pointer("/settings/amount_sync").Set(body, false);
    Pointer("/settings/board/default_user_id").Set(body, second_user);
    Pointer("/settings/invoice_date_rule").Set(body, "current_month_end");
    Pointer("/settings/management_no/enabled").Set(body, false);
    Pointer("/settings/management_no/prefix").Set(body, "DEAL-");
    Pointer("/settings/schedule/time").Set(body, "04:30");
    Pointer("/settings/schedule/time_zone").Set(body, "UTC");
    Pointer("/settings/schedule/interval_minutes").Set(body, 30);
    Pointer("/settings/keep_customers_updated").Set(body, true);
    body["settings"].RemoveMember("tenant_id");  // absent: the session's
  });
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(parse(response.body)["version"].GetInt64(), before + 1);
  EXPECT_EQ(version(id), before + 1);

  const auto saved = stack().store().get(id);
  ASSERT_TRUE(saved);
  EXPECT_EQ(saved->hubspot.link_property, "board_link");
  EXPECT_EQ(saved->company_field_mapping.abbreviation_words.front(), "一般社団法人");
  EXPECT_FALSE(saved->amount_sync);
  EXPECT_EQ(saved->board.default_user_id, second_user);
  EXPECT_EQ(saved->invoice_date_rule, domain::InvoiceDateRule::current_month_end);
  EXPECT_FALSE(saved->management_no.enabled);
  EXPECT_EQ(saved->management_no.prefix, "DEAL-");
  EXPECT_EQ(saved->schedule.time, "04:30");
  EXPECT_EQ(saved->schedule.time_zone, "UTC");
  EXPECT_EQ(saved->schedule.interval_minutes, 30);
  EXPECT_TRUE(saved->keep_customers_updated);
  const auto& made = stack().tenant(id);
  EXPECT_EQ(saved->board.api_key, made.board_api_key);
  EXPECT_EQ(saved->board.api_token, made.board_api_token);
  EXPECT_EQ(saved->hubspot.access_token, made.hubspot_token);
  EXPECT_EQ(saved->hubspot.user, made.user);
}

TEST_F(SettingsRoutesTest, PutSettingsNamesEveryProblemWithItsPathInJapaneseAndSavesNothing) {
  const std::string id = stack().make_tenant();
  const int64_t before = version(id);
  const auto response = put_edited(stack().sign_in(id), [](rapidjson::Document& body) {
    Pointer("/settings/schedule/interval_minutes").Set(body, 5);
    Pointer("/settings/schedule/time").Set(body, "25:00");
    Pointer("/settings/management_no/prefix").Set(body, "HS1");
    Pointer("/settings/amount_snyc").Set(body, false);
    Pointer("/settings/invoice_date_rule").Set(body, "someday");
  });
  ASSERT_EQ(response.status, 422) << response.body;
  const auto doc = parse(response.body);
  EXPECT_EQ(error_code(doc), "validation");
  // The typo is refused at parse time; the rules run on a document that reads.
  expect_error(doc, "amount_snyc", "unknown_field");
  expect_error(doc, "invoice_date_rule", "unknown_value");

  const auto rules = put_edited(stack().sign_in(id), [](rapidjson::Document& body) {
    Pointer("/settings/schedule/interval_minutes").Set(body, 5);
    Pointer("/settings/schedule/time").Set(body, "25:00");
    Pointer("/settings/management_no/prefix").Set(body, "HS1");
  });
  ASSERT_EQ(rules.status, 422) << rules.body;
  const auto rules_doc = parse(rules.body);
  const std::string interval = expect_error(rules_doc, "schedule.interval_minutes", "out_of_range");
  EXPECT_NE(interval.find("15"), std::string::npos) << interval;
  expect_error(rules_doc, "schedule.time", "invalid_time");
  expect_error(rules_doc, "management_no.prefix", "ends_with_digit");
  EXPECT_EQ(version(id), before);
  EXPECT_EQ(stack().store().get(id)->schedule.interval_minutes, 0);
}

TEST_F(SettingsRoutesTest, PutSettingsWithAStaleVersionIsAConflict) {
  const std::string id = stack().make_tenant();
  const int64_t before = version(id);
  const auto response = put_edited(
      stack().sign_in(id),
      [](rapidjson::Document& body) { Pointer("/settings/amount_sync").Set(body, false); }, -1);
  ASSERT_EQ(response.status, 409) << response.body;
  EXPECT_EQ(error_code(parse(response.body)), "version_conflict");
  EXPECT_EQ(version(id), before);
  EXPECT_TRUE(stack().store().get(id)->amount_sync);
}

TEST_F(SettingsRoutesTest, CredentialsInPutSettingsAreRefusedByField) {
  const std::string id = stack().make_tenant();
  const Browser browser = stack().sign_in(id);
  const int64_t before = version(id);
  const auto response = put_edited(browser, [](rapidjson::Document& body) {
    Pointer("/settings/board/api_key").Set(body, "smuggled-key");
    Pointer("/settings/board/api_token").Set(body, "(not set)");  // clearing is a change too
    Pointer("/settings/hubspot/access_token").Set(body, "smuggled-token");
    Pointer("/settings/amount_sync").Set(body, false);
  });
  ASSERT_EQ(response.status, 422) << response.body;
  const auto doc = parse(response.body);
  expect_error(doc, "board.api_key", "credential_not_editable");
  expect_error(doc, "board.api_token", "credential_not_editable");
  expect_error(doc, "hubspot.access_token", "credential_not_editable");
  EXPECT_TRUE(errors_at(doc, "hubspot.refresh_token").empty()) << "\"(not set)\" and unset";
  EXPECT_EQ(version(id), before);
  const auto saved = stack().store().get(id);
  EXPECT_EQ(saved->board.api_key, stack().tenant(id).board_api_key);
  EXPECT_EQ(saved->board.api_token, stack().tenant(id).board_api_token);
  EXPECT_EQ(saved->hubspot.access_token, stack().tenant(id).hubspot_token);
  EXPECT_TRUE(saved->amount_sync);
}

TEST_F(SettingsRoutesTest, ASessionCanNeitherReadNorChangeAnotherTenant) {
  const std::string a = stack().make_tenant();
  const std::string b = stack().make_tenant();
  const Browser browser = stack().sign_in(a);
  const int64_t b_before = version(b);

  auto refused = [&](const std::string& other) {
    const auto response = put_edited(browser, [&](rapidjson::Document& body) {
      Pointer("/settings/tenant_id").Set(body, other.c_str());
      Pointer("/settings/amount_sync").Set(body, false);
    });
    EXPECT_EQ(response.status, 422) << response.body;
    const auto doc = parse(response.body);
    expect_error(doc, "tenant_id", "tenant_mismatch");
    return to_text(doc);
  };
  // The same answer whether the other tenant exists or not: nothing to probe.
  EXPECT_EQ(refused(b), refused("99999999"));
  EXPECT_EQ(version(b), b_before);
  EXPECT_TRUE(stack().store().get(b)->amount_sync);

  // Everything A reads is A's; everything A writes lands on A.
  const auto got = api(browser, "GET", "/api/v1/settings");
  EXPECT_STREQ(Pointer("/settings/tenant_id").Get(parse(got.body))->GetString(), a.c_str());
  const auto mapping = parse(api(browser, "GET", "/api/v1/stage-mapping").body);
  const auto put = api(browser, "PUT", "/api/v1/stage-mapping",
                       R"({"version":)" + std::to_string(mapping["version"].GetInt64()) +
                           R"(,"stage_mapping":{"default":{"order_5":"closedwon"}}})");
  EXPECT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(api(browser, "POST", "/api/v1/hubspot/pipelines/reload").status, 200);
  EXPECT_EQ(stack().store().get(a)->stage_mapping.pipelines.at("default").size(), 1u);
  EXPECT_EQ(version(b), b_before);
  EXPECT_EQ(stack().store().get(b)->stage_mapping.pipelines.at("default").size(), 8u);
}

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

TEST_F(SettingsRoutesTest, PipelinesReloadStoresHubSpotsPipelines) {
  const std::string id = stack().make_tenant();
  const int64_t before = version(id);
  stack().hubspot().control(
      "POST", "/_sim/portals/" + id + "/pipelines",
      R"({"id":"renewals","label":"更新","stages":[{"id":"r1","label":"更新検討"},{"id":"r2","label":"更新済"}]})");
  const auto response = api(stack().sign_in(id), "POST", "/api/v1/hubspot/pipelines/reload");
  ASSERT_EQ(response.status, 200) << response.body;
  const auto doc = parse(response.body);
  EXPECT_EQ(doc["version"].GetInt64(), before + 1);
  const auto saved = stack().store().get(id);
  const auto renewals = std::find_if(saved->pipelines.begin(), saved->pipelines.end(),
                                     [](const auto& p) { return p.id == "renewals"; });
  ASSERT_NE(renewals, saved->pipelines.end());
  ASSERT_EQ(renewals->stages.size(), 2u);
  EXPECT_EQ(renewals->stages[1].label, "更新済");
  EXPECT_EQ(saved->pipelines.size(), doc["pipelines"].Size());
}

TEST_F(SettingsRoutesTest, PipelinesReloadRefusesToStrandMappedStages) {
  const std::string id = stack().make_tenant();
  // HubSpot's "default" pipeline loses "closedwon", which 受注済 is mapped to.
  std::string stages;
  for (const auto& [stage, label] : testing::default_stages()) {
    if (stage == "closedwon") continue;
    stages += std::string(stages.empty() ? "" : ",") + R"({"id":")" + stage + R"(","label":")" +
              label + R"("})";
  }
  stack().hubspot().control(
      "POST", "/_sim/portals/" + id + "/pipelines",
      R"({"id":"default","label":"Sales Pipeline","stages":[)" + stages + "]}");
  const int64_t before = version(id);
  const auto response = api(stack().sign_in(id), "POST", "/api/v1/hubspot/pipelines/reload");
  ASSERT_EQ(response.status, 422) << response.body;
  expect_error(parse(response.body), "stage_mapping.default.order_5", "unknown_stage");
  EXPECT_EQ(version(id), before);
  const auto saved = stack().store().get(id);
  EXPECT_EQ(saved->pipelines.front().stages.size(), testing::default_stages().size());
}

TEST_F(SettingsRoutesTest, StageMappingRowsComeInBoardsDisplayOrder) {
  const std::string id = stack().make_tenant();
  const auto response = api(stack().sign_in(id), "GET", "/api/v1/stage-mapping");
  ASSERT_EQ(response.status, 200) << response.body;
  const auto doc = parse(response.body);
  std::vector<std::string> rows;
  std::vector<std::string> labels;
  for (const auto& r : doc["rows"].GetArray()) {
    rows.push_back(r["row"].GetString());
    labels.push_back(r["label"].GetString());
  }
  EXPECT_EQ(rows, (std::vector<std::string>{"order_1", "order_2", "order_3", "order_8", "order_4",
                                            "order_5", "order_9", "invoiced", "paid"}));
  EXPECT_EQ(labels,
            (std::vector<std::string>{"見積中(高)", "見積中(中)", "見積中(低)", "見積中(除)",
                                      "受注確定", "受注済", "失注", "請求済", "入金済"}));
  EXPECT_EQ(Pointer("/rows/3/code").Get(doc)->GetInt(), 8);
  EXPECT_FALSE(doc["rows"][7].HasMember("code"));
  EXPECT_EQ(doc["version"].GetInt64(), version(id));
  EXPECT_STREQ(Pointer("/stage_mapping/default/order_5").Get(doc)->GetString(), "closedwon");
  EXPECT_STREQ(Pointer("/pipelines/0/id").Get(doc)->GetString(), "default");
}

TEST_F(SettingsRoutesTest, AStageUsedTwiceIsAnErrorOnBothRowsAndNothingIsSaved) {
  const std::string id = stack().make_tenant();
  const int64_t before = version(id);
  const auto response = api(
      stack().sign_in(id), "PUT", "/api/v1/stage-mapping",
      R"({"version":)" + std::to_string(before) +
          R"(,"stage_mapping":{"default":{"order_1":"closedwon","order_5":"closedwon","paid":null}}})");
  ASSERT_EQ(response.status, 422) << response.body;
  const auto doc = parse(response.body);
  for (const char* row : {"stage_mapping.default.order_1", "stage_mapping.default.order_5"}) {
    const std::string message = expect_error(doc, row, "duplicate_stage");
    EXPECT_NE(message.find("見積中(高)"), std::string::npos) << message;
    EXPECT_NE(message.find("受注済"), std::string::npos) << message;
  }
  EXPECT_EQ(version(id), before);
  EXPECT_EQ(stack().store().get(id)->stage_mapping.pipelines.at("default").size(), 8u);
}

TEST_F(SettingsRoutesTest, UnknownStagesAndRowsAreRefused) {
  const std::string id = stack().make_tenant();
  const Browser browser = stack().sign_in(id);
  const int64_t before = version(id);
  const std::string v = std::to_string(before);
  const auto stage =
      api(browser, "PUT", "/api/v1/stage-mapping",
          R"({"version":)" + v + R"(,"stage_mapping":{"default":{"order_5":"no_such_stage"}}})");
  ASSERT_EQ(stage.status, 422) << stage.body;
  expect_error(parse(stage.body), "stage_mapping.default.order_5", "unknown_stage");
  const auto row =
      api(browser, "PUT", "/api/v1/stage-mapping",
          R"({"version":)" + v + R"(,"stage_mapping":{"default":{"order_7":"paid"}}})");
  ASSERT_EQ(row.status, 422) << row.body;
  expect_error(parse(row.body), "stage_mapping.default.order_7", "unknown_row");
  const auto pipeline =
      api(browser, "PUT", "/api/v1/stage-mapping",
          R"({"version":)" + v + R"(,"stage_mapping":{"nope":{"order_5":"closedwon"}}})");
  ASSERT_EQ(pipeline.status, 422) << pipeline.body;
  expect_error(parse(pipeline.body), "stage_mapping.nope", "unknown_pipeline");
  EXPECT_EQ(version(id), before);
}

TEST_F(SettingsRoutesTest, StageMappingIsSavedByIdCodeOrLabelUnderTheVersionGuard) {
  const std::string id = stack().make_tenant();
  const Browser browser = stack().sign_in(id);
  const int64_t before = version(id);
  const std::string mapping =
      R"({"default":{"order_1":"qualifiedtobuy","5":"closedwon","失注":"closedlost","paid":null}})";
  const auto stale =
      api(browser, "PUT", "/api/v1/stage-mapping",
          R"({"version":)" + std::to_string(before - 1) + R"(,"stage_mapping":)" + mapping + "}");
  ASSERT_EQ(stale.status, 409) << stale.body;
  EXPECT_EQ(version(id), before);

  const auto saved =
      api(browser, "PUT", "/api/v1/stage-mapping",
          R"({"version":)" + std::to_string(before) + R"(,"stage_mapping":)" + mapping + "}");
  ASSERT_EQ(saved.status, 200) << saved.body;
  EXPECT_EQ(parse(saved.body)["version"].GetInt64(), before + 1);
  const auto rows = stack().store().get(id)->stage_mapping.pipelines.at("default");
  using domain::StageRow;
  EXPECT_EQ(rows, (domain::PipelineStages{{StageRow::order_1, "qualifiedtobuy"},
                                          {StageRow::order_5, "closedwon"},
                                          {StageRow::order_9, "closedlost"}}));
}

TEST_F(SettingsRoutesTest, CompanyPropertiesOfferOnlySingleLineText) {
  const std::string id = stack().make_tenant();
  const auto response = api(stack().sign_in(id), "GET", "/api/v1/hubspot/company-properties");
  ASSERT_EQ(response.status, 200) << response.body;
  const auto doc = parse(response.body);
  std::vector<std::string> names;
  for (const auto& p : doc["properties"].GetArray()) {
    names.push_back(p["name"].GetString());
    EXPECT_STREQ(p["type"].GetString(), "string");
    EXPECT_STREQ(p["field_type"].GetString(), "text");
  }
  EXPECT_NE(std::find(names.begin(), names.end(), "website"), names.end());
  for (const char* excluded : {"phone", "description", "numberofemployees", "hs_object_id"}) {
    EXPECT_EQ(std::find(names.begin(), names.end(), excluded), names.end()) << excluded;
  }
  EXPECT_STREQ(doc["link_property"].GetString(), "");
}

TEST_F(SettingsRoutesTest, CreatingTheLinkPropertyChoosesIt) {
  const std::string id = stack().make_tenant();
  const Browser browser = stack().sign_in(id);
  const int64_t before = version(id);
  const auto created = api(browser, "POST", "/api/v1/hubspot/company-properties",
                           R"({"name":"board_client_link","label":"board顧客URL"})");
  ASSERT_EQ(created.status, 201) << created.body;
  const auto doc = parse(created.body);
  EXPECT_STREQ(Pointer("/property/name").Get(doc)->GetString(), "board_client_link");
  EXPECT_STREQ(Pointer("/property/label").Get(doc)->GetString(), "board顧客URL");
  EXPECT_EQ(doc["version"].GetInt64(), before + 1);
  EXPECT_EQ(stack().store().get(id)->hubspot.link_property, "board_client_link");
  const auto listed = parse(api(browser, "GET", "/api/v1/hubspot/company-properties").body);
  EXPECT_STREQ(listed["link_property"].GetString(), "board_client_link");

  // It exists now as text: chosen again as it is.
  const auto again = api(browser, "POST", "/api/v1/hubspot/company-properties",
                         R"({"name":"board_client_link","label":"別名"})");
  ASSERT_EQ(again.status, 201) << again.body;
  EXPECT_STREQ(Pointer("/property/label").Get(parse(again.body))->GetString(), "board顧客URL");
}

TEST_F(SettingsRoutesTest, ALinkPropertyThatCannotHoldTheLinkIsRefused) {
  const std::string id = stack().make_tenant();
  const Browser browser = stack().sign_in(id);
  const int64_t before = version(id);
  const auto number = api(browser, "POST", "/api/v1/hubspot/company-properties",
                          R"({"name":"numberofemployees","label":"従業員数"})");
  ASSERT_EQ(number.status, 422) << number.body;
  expect_error(parse(number.body), "name", "property_type_mismatch");

  const auto bad = api(browser, "POST", "/api/v1/hubspot/company-properties",
                       R"({"name":"Board Link","label":""})");
  ASSERT_EQ(bad.status, 422) << bad.body;
  const auto bad_doc = parse(bad.body);
  expect_error(bad_doc, "name", "invalid_property_name");
  expect_error(bad_doc, "label", "invalid_label");
  const auto listed = api(browser, "GET", "/api/v1/hubspot/company-properties");
  EXPECT_EQ(listed.body.find("Board Link"), std::string::npos) << "created in HubSpot";
  EXPECT_EQ(version(id), before);
  EXPECT_EQ(stack().store().get(id)->hubspot.link_property, "");
}

TEST_F(SettingsRoutesTest, WritesNeedTheCsrfToken) {
  const std::string id = stack().make_tenant();
  const int64_t before = version(id);
  const auto response =
      stack().send(stack().sign_in(id), "PUT", "/api/v1/stage-mapping",
                   R"({"version":)" + std::to_string(before) + R"(,"stage_mapping":{}})",
                   /*csrf=*/false);
  expect_contract("PUT", "/api/v1/stage-mapping", response);
  EXPECT_EQ(response.status, 403);
  EXPECT_EQ(version(id), before);
}

}  // namespace
}  // namespace hbsync::admin
