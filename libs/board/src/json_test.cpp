// Unit tests of the board JSON readers and writers and of the paging rule.
#include "json.hpp"

#include <gtest/gtest.h>

#include <map>

#include "hbsync/board/api.hpp"

namespace hbsync::board {
namespace {

TEST(BoardJsonTest, ReadsAProjectWithAmountsAsStringsAndStatusTyped) {
  std::string error;
  auto project = json::parse_project(
      R"({"id":12,"project_no":"3","management_no":"HS-77","name":"案件A","client_id":5,
          "client":{"id":5,"name":"株式会社テスト","name_disp":"テスト"},"user_id":9,
          "user":{"id":9,"last_name":"山田","first_name":"太郎"},"order_status":5,
          "order_status_name":"受注済","invoice_timing_kbn":1,"total":"90000.0","tax":"9000.0",
          "invoice_total":null,"estimate_date":"2024-05-01","ordered_date":null,
          "invoice_dates":["2024-05-31"],"contact_id":null,"tags":["a"],
          "created_at":"2024-05-01T12:34:56+09:00","updated_at":"2024-05-02T00:00:00+09:00"})",
      error);
  ASSERT_TRUE(project) << error;
  EXPECT_EQ(project->id, 12);
  EXPECT_EQ(project->project_no, 3);  // a numeric string is accepted
  EXPECT_EQ(project->management_no.value_or(""), "HS-77");
  EXPECT_EQ(project->client->name_disp, "テスト");
  EXPECT_EQ(project->user->last_name, "山田");
  EXPECT_EQ(project->order_status(), domain::OrderStatus::ordered);
  EXPECT_EQ(project->total, "90000.0");
  EXPECT_EQ(project->invoice_total, "");
  EXPECT_FALSE(project->ordered_date);
  EXPECT_EQ(project->invoice_dates, std::vector<std::string>{"2024-05-31"});
  EXPECT_FALSE(project->contact_id);
}

TEST(BoardJsonTest, AmountsSentAsNumbersKeepTheirSpelling) {
  std::string error;
  auto invoices = json::parse_invoices(
      R"([{"id":1,"project_id":2,"project_no":1,"total":12000,"tax":1200.5,
           "order_status":5,"invoice_status":3,"invoice_status_name":"入金済"}])",
      error);
  ASSERT_TRUE(invoices) << error;
  ASSERT_EQ(invoices->size(), 1u);
  EXPECT_EQ((*invoices)[0].total, "12000");
  EXPECT_EQ((*invoices)[0].tax, "1200.5");
  EXPECT_EQ((*invoices)[0].invoice_status(), domain::InvoiceStatus::paid);
}

TEST(BoardJsonTest, ListsMayBeWrappedAndUnknownCodesStayReadable) {
  std::string error;
  auto users =
      json::parse_users(R"({"users":[{"id":"4","email":"a@example.com","valid_flg":0}]})", error);
  ASSERT_TRUE(users) << error;
  EXPECT_EQ((*users)[0].id, 4);
  EXPECT_FALSE((*users)[0].valid);

  auto projects = json::parse_projects(R"([{"id":1,"order_status":6}])", error);
  ASSERT_TRUE(projects);
  EXPECT_EQ((*projects)[0].order_status_code, 6);
  EXPECT_FALSE((*projects)[0].order_status());
}

TEST(BoardJsonTest, MalformedAnswersAreErrorsNotCrashes) {
  std::string error;
  EXPECT_FALSE(json::parse_clients("not json", error));
  EXPECT_FALSE(json::parse_clients(R"({"message":"x"})", error));
  EXPECT_FALSE(json::parse_clients(R"([{"name":"no id"}])", error));
  EXPECT_FALSE(json::parse_client("[]", error));
  EXPECT_FALSE(error.empty());
}

TEST(BoardJsonTest, ErrorMessageFallsBackFromMessageToErrorToErrors) {
  EXPECT_EQ(json::error_message(R"({"message":"顧客略称名(name_disp)を入力してください"})", 422),
            "顧客略称名(name_disp)を入力してください");
  EXPECT_EQ(json::error_message(R"({"error":"invalid token"})", 401), "invalid token");
  EXPECT_EQ(json::error_message(R"({"error":{"message":"nested"}})", 400), "nested");
  EXPECT_EQ(json::error_message(R"({"errors":["a","b"]})", 422), "a; b");
  EXPECT_EQ(json::error_message(R"({"errors":{"name":["is blank","is short"]}})", 422),
            "name: is blank, is short");
  EXPECT_EQ(json::error_message("<html>", 502), "HTTP 502");
  EXPECT_EQ(json::error_message("", 500), "HTTP 500");
  // Long messages are cut on a character boundary.
  std::string long_text;
  for (int i = 0; i < 600; ++i) long_text += "あ";
  const std::string cut = json::error_message(R"({"message":")" + long_text + R"("})", 422);
  EXPECT_LE(cut.size(), 1003u);
  EXPECT_EQ((cut.size() - 3) % 3, 0u);
}

TEST(BoardJsonTest, ClientBodyLeavesOutUnsetAndClearsEmptyOnUpdate) {
  ClientFields fields{.name = "株式会社A", .name_disp = "A", .zip = "150-0001", .note = ""};
  EXPECT_EQ(json::client_body(fields, false),
            R"({"name":"株式会社A","name_disp":"A","zip":"150-0001"})");
  EXPECT_EQ(json::client_body(fields, true),
            R"({"name":"株式会社A","name_disp":"A","zip":"150-0001","note":null})");
}

TEST(BoardJsonTest, ProjectBodyCarriesTheDatesOfItsInvoiceTiming) {
  NewProject p{.name = "N",
               .client_id = 1,
               .user_id = 2,
               .order_status = domain::OrderStatus::order_confirmed,
               .invoice_timing = InvoiceTiming::split,
               .invoice_dates = {"2024-06-30", "2024-07-31"},
               .management_no = "HS-1"};
  EXPECT_EQ(json::project_body(p),
            R"({"name":"N","client_id":1,"user_id":2,"order_status":4,"invoice_timing_kbn":3,)"
            R"("invoice_dates":["2024-06-30","2024-07-31"],"management_no":"HS-1"})");
  EXPECT_EQ(json::order_status_body(domain::OrderStatus::lost), R"({"order_status":9})");
}

TEST(BoardPagingTest, ShortPageOrTotalCountEndsTheList) {
  Page<int> page{.items = {1, 2, 3}, .page = 1, .per_page = 3};
  EXPECT_FALSE(page.last());  // full page, no total: ask for the next
  page.total_count = 3;
  EXPECT_TRUE(page.last());
  Page<int> short_page{.items = {1}, .page = 2, .per_page = 3};
  EXPECT_TRUE(short_page.last());
}

TEST(BoardPagingTest, ForEachPageStopsAtTheShortPageAndPropagatesErrors) {
  int calls = 0;
  auto fetch = [&](PageRequest r) -> Result<Page<int>> {
    ++calls;
    Page<int> page{.page = r.page, .per_page = r.per_page};
    const int total = 7;
    for (int i = (r.page - 1) * r.per_page; i < std::min(total, r.page * r.per_page); ++i) {
      page.items.push_back(i);
    }
    return page;
  };
  std::vector<int> seen;
  auto visited = for_each_page<int>(
      fetch,
      [&](Page<int>& p) {
        seen.insert(seen.end(), p.items.begin(), p.items.end());
        return true;
      },
      3);
  ASSERT_TRUE(visited);
  EXPECT_EQ(*visited, 7u);
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(seen.size(), 7u);

  auto failing = [](PageRequest r) -> Result<Page<int>> {
    if (r.page == 2) return Error{.kind = Error::server, .status = 500};
    return Page<int>{.items = {1, 2}, .page = r.page, .per_page = 2};
  };
  auto result = for_each_page<int>(
      failing, [](Page<int>&) { return true; }, 2);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().status, 500);

  auto endless = [](PageRequest r) -> Result<Page<int>> {
    return Page<int>{.items = {1}, .page = r.page, .per_page = 1};
  };
  EXPECT_FALSE(for_each_page<int>(
      endless, [](Page<int>&) { return true; }, 1, 5));
}

TEST(BoardOperationsTest, NamesMatchBoardsTokenScreen) {
  EXPECT_EQ(required_operations().size(), 11u);
  EXPECT_EQ(operation_label(Operation::projects_order_status), "案件 受注ステータス更新");
  EXPECT_EQ(operation_label(Operation::users_list), "ユーザ リストの取得");
  EXPECT_EQ(operation_id(Operation::clients_create), "clients.create");
  EXPECT_EQ(Api::limiter_key("secret-key").size(), 16u);
  EXPECT_EQ(Api::limiter_key("secret-key").find("secret"), std::string::npos);
}

TEST(BoardCheckTest, MessageNamesEveryMissingOperation) {
  CredentialCheck check;
  check.verdict = CredentialCheck::Verdict::missing_operations;
  check.operations = {{Operation::clients_create, OperationCheck::State::missing, 403},
                      {Operation::clients_get, OperationCheck::State::allowed, 404},
                      {Operation::projects_order_status, OperationCheck::State::missing, 403}};
  const std::string message = check.message();
  EXPECT_NE(message.find("顧客 登録"), std::string::npos) << message;
  EXPECT_NE(message.find("案件 受注ステータス更新"), std::string::npos) << message;
  EXPECT_EQ(message.find("顧客 取得"), std::string::npos) << message;
}

TEST(BoardOptionsTest, LoadsDefaultsAndRejectsABaseUrlWithAPath) {
  std::map<std::string, std::string> env;
  auto lookup = [&env](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  config::Loader defaults("test", "test", 0, nullptr, lookup);
  const Options o = Options::load(defaults);
  EXPECT_TRUE(defaults.errors().empty());
  EXPECT_EQ(o.base_url, "https://api.the-board.jp");
  EXPECT_EQ(o.rate_per_second, 3);
  EXPECT_EQ(o.rate_per_day, 3000);
  EXPECT_EQ(o.rate_margin, std::chrono::milliseconds(200));
  EXPECT_EQ(o.timeout, std::chrono::milliseconds(30000));

  env = {{"HBSYNC_BOARD_API_URL", "http://127.0.0.1:8702"},
         {"HBSYNC_BOARD_RATE_PER_DAY", "100"},
         {"HBSYNC_BOARD_RETRY_MAX_ATTEMPTS", "3"}};
  config::Loader custom("test", "test", 0, nullptr, lookup);
  const Options c = Options::load(custom);
  EXPECT_TRUE(custom.errors().empty());
  EXPECT_EQ(c.base_url, "http://127.0.0.1:8702");
  EXPECT_EQ(c.rate_per_day, 100);
  EXPECT_EQ(c.retry.max_attempts, 3);

  env = {{"HBSYNC_BOARD_API_URL", "https://api.the-board.jp/v1"}};
  config::Loader bad("test", "test", 0, nullptr, lookup);
  Options::load(bad);
  EXPECT_EQ(bad.errors().size(), 1u);
}

// A hostile or broken board answer: an error, never a stack overflow.
TEST(BoardJsonTest, DeepOrInvalidAnswersAreErrorsNotCrashes) {
  const std::string deep = std::string(150'000, '[') + std::string(150'000, ']');
  const std::string deep_object = R"({"data":)" + std::string(150'000, '[');
  std::string error;
  EXPECT_FALSE(json::parse_project(deep, error));
  EXPECT_NE(error.find("malformed JSON"), std::string::npos) << error;
  EXPECT_FALSE(json::parse_projects(deep_object, error));
  EXPECT_FALSE(json::parse_clients(deep, error));
  EXPECT_FALSE(json::parse_users(deep, error));
  EXPECT_FALSE(json::parse_invoices(deep, error));
  EXPECT_FALSE(json::parse_client("{\"id\":1,\"name\":\"\xff\"}", error));
  EXPECT_EQ(json::error_message(deep, 500), "HTTP 500");
}

}  // namespace
}  // namespace hbsync::board
