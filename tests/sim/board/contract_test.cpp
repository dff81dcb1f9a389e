// Contract tests of hbsync-sim-board: the real binary, spoken to over HTTP
// the way the board client speaks to board (reference/board.md).
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <signal.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "hbsync/http/client.hpp"
#include "hbsync/http/url.hpp"
#include "hbsync/testing/process.hpp"
#include "hbsync/testing/simulator.hpp"

namespace {

using namespace std::chrono_literals;
using hbsync::http::ClientRequest;
using hbsync::http::ClientResponse;

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  EXPECT_FALSE(doc.HasParseError()) << text;
  return doc;
}

using Env = std::map<std::string, std::string>;

// One running simulator in a private directory, stopped on destruction.
class Sim {
 public:
  explicit Sim(Env env = {})
      : sim_("hbsync-sim-board", "HBSYNC_SIM_BOARD", std::move(env)), base_(sim_.base_url()) {}

  ClientResponse call(const std::string& method, const std::string& target,
                      const std::string& body = "",
                      std::vector<std::pair<std::string, std::string>> headers = {},
                      std::optional<std::chrono::milliseconds> timeout = std::nullopt) {
    auto result = try_call(method, target, body, std::move(headers), timeout);
    EXPECT_TRUE(result.ok()) << method << " " << target << ": " << result.error_message;
    return result.response;
  }

  hbsync::http::ClientResult try_call(
      const std::string& method, const std::string& target, const std::string& body = "",
      std::vector<std::pair<std::string, std::string>> headers = {},
      std::optional<std::chrono::milliseconds> timeout = std::nullopt) {
    ClientRequest request;
    request.method = method;
    request.url = base_ + target;
    request.body = body;
    request.timeout = timeout;
    if (!body.empty()) request.headers.set("Content-Type", "application/json");
    for (auto& [name, value] : headers) request.headers.set(name, value);
    return client_.send(request);
  }

  // The board API as a client with this key and token sees it.
  ClientResponse api(const std::string& key, const std::string& token, const std::string& method,
                     const std::string& target, const std::string& body = "") {
    return call(method, target, body, {{"x-api-key", key}, {"Authorization", "Bearer " + token}});
  }

  rapidjson::Document control(const std::string& method, const std::string& target,
                              const std::string& body = "", int expect = 0) {
    ClientResponse r = call(method, target, body);
    if (expect) {
      EXPECT_EQ(r.status, expect) << method << " " << target << ": " << r.body;
    } else {
      EXPECT_LT(r.status, 300) << method << " " << target << ": " << r.body;
    }
    return parse(r.body);
  }

 private:
  hbsync::testing::Simulator sim_;
  std::string base_;
  hbsync::http::Client client_;
};

// One simulator for every test that is not about rate limits; each test
// works in its own account.
class BoardSim : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    sim_ = new Sim({{"HBSYNC_SIM_BOARD_RATE_PER_SECOND", "100000"},
                    {"HBSYNC_SIM_BOARD_RATE_PER_DAY", "100000000"}});
  }
  static void TearDownTestSuite() {
    delete sim_;
    sim_ = nullptr;
  }

  void SetUp() override {
    static std::atomic<int> counter{0};
    key_ = "key-" + std::to_string(++counter);
    token_ = key_ + "-token";
    auto account = sim().control(
        "POST", "/_sim/accounts",
        R"({"api_key":")" + key_ + R"(","tokens":[{"token":")" + token_ +
            R"(","operations":["*"]}],"users":[{"email":"owner@example.com","last_name":"山田","first_name":"太郎"},{"email":"sales@example.com","last_name":"佐藤","first_name":"花子"}]})",
        201);
    user_id_ = account["users"][0]["id"].GetInt64();
  }
  void TearDown() override { sim().call("DELETE", "/_sim/faults"); }

  Sim& sim() { return *sim_; }
  ClientResponse api(const std::string& method, const std::string& target,
                     const std::string& body = "") {
    return sim().api(key_, token_, method, target, body);
  }

  int64_t create_client(const std::string& name) {
    auto r =
        api("POST", "/v1/clients", R"({"name":")" + name + R"(","name_disp":")" + name + "\"}");
    EXPECT_EQ(r.status, 201) << r.body;
    return parse(r.body)["id"].GetInt64();
  }

  std::string project_body(int64_t client_id, const std::string& extra = "", int order_status = 1) {
    return R"({"name":"案件","client_id":)" + std::to_string(client_id) + R"(,"user_id":)" +
           std::to_string(user_id_) + R"(,"order_status":)" + std::to_string(order_status) +
           R"(,"invoice_timing_kbn":1,"invoice_date":"2024-05-31")" + extra + "}";
  }

  rapidjson::Document create_project(int64_t client_id, const std::string& extra = "",
                                     int order_status = 1) {
    auto r = api("POST", "/v1/projects", project_body(client_id, extra, order_status));
    EXPECT_EQ(r.status, 201) << r.body;
    return parse(r.body);
  }

  static Sim* sim_;
  std::string key_;
  std::string token_;
  int64_t user_id_ = 0;
};

Sim* BoardSim::sim_ = nullptr;

void expect_list_headers(const ClientResponse& r, int total, int page, int per_page) {
  EXPECT_EQ(r.headers.get("X-Total-Count").value_or(""), std::to_string(total));
  EXPECT_EQ(r.headers.get("X-Page").value_or(""), std::to_string(page));
  EXPECT_EQ(r.headers.get("X-Per-Page").value_or(""), std::to_string(per_page));
}

void expect_message(const ClientResponse& r, const std::string& contains = "") {
  auto doc = parse(r.body);
  ASSERT_TRUE(doc.IsObject() && doc.HasMember("message") && doc["message"].IsString()) << r.body;
  if (!contains.empty()) {
    EXPECT_NE(std::string(doc["message"].GetString()).find(contains), std::string::npos) << r.body;
  }
}

bool is_timestamp(const rapidjson::Value& v) {
  // "2024-05-01T12:34:56+09:00"
  return v.IsString() && v.GetStringLength() == 25 && v.GetString()[10] == 'T' &&
         std::string(v.GetString()).substr(19) == "+09:00";
}

TEST_F(BoardSim, UsersListIsABareArrayWithPagingHeadersAndEmailFilter) {
  auto r = api("GET", "/v1/users");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.headers.get("Content-Type").value_or("").find("application/json"), std::string::npos);
  expect_list_headers(r, 2, 1, 20);
  auto users = parse(r.body);
  ASSERT_TRUE(users.IsArray());
  ASSERT_EQ(users.Size(), 2u);
  const auto& u = users[0];
  EXPECT_TRUE(u["id"].IsInt64());
  EXPECT_STREQ(u["email"].GetString(), "owner@example.com");
  EXPECT_STREQ(u["last_name"].GetString(), "山田");
  EXPECT_STREQ(u["first_name"].GetString(), "太郎");
  EXPECT_TRUE(u["role_id"].IsInt());
  EXPECT_TRUE(u["role_name"].IsString());
  EXPECT_EQ(u["valid_flg"].GetInt(), 1);
  EXPECT_TRUE(is_timestamp(u["created_at"]));
  EXPECT_TRUE(is_timestamp(u["updated_at"]));

  auto one =
      parse(api("GET", "/v1/users?email_eq=" + hbsync::http::url_encode("sales@example.com")).body);
  ASSERT_EQ(one.Size(), 1u);
  EXPECT_STREQ(one[0]["last_name"].GetString(), "佐藤");
  EXPECT_EQ(parse(api("GET", "/v1/users?email_eq=nobody%40example.com").body).Size(), 0u);
}

TEST_F(BoardSim, UnknownKeyWrongTokenAndAnotherAccountsTokenAre401) {
  auto unknown_key = sim().api("no-such-key", token_, "GET", "/v1/users");
  EXPECT_EQ(unknown_key.status, 401);
  expect_message(unknown_key);
  EXPECT_EQ(sim().api(key_, "wrong", "GET", "/v1/users").status, 401);
  EXPECT_EQ(sim().call("GET", "/v1/users", "", {{"x-api-key", key_}}).status, 401);
  EXPECT_EQ(sim().call("GET", "/v1/users", "", {{"Authorization", "Bearer " + token_}}).status,
            401);
  EXPECT_EQ(
      sim().call("GET", "/v1/users", "", {{"x-api-key", key_}, {"Authorization", token_}}).status,
      401);
  sim().control(
      "POST", "/_sim/accounts",
      R"({"api_key":")" + key_ + R"(-other","tokens":[{"token":")" + key_ + R"(-other-token"}]})",
      201);
  auto foreign = sim().api(key_, key_ + "-other-token", "GET", "/v1/users");
  EXPECT_EQ(foreign.status, 401);
  expect_message(foreign);
}

TEST_F(BoardSim, TokenWithoutTheOperationIs403) {
  sim().control("POST", "/_sim/accounts/" + key_ + "/tokens",
                R"({"token":")" + key_ + R"(-read","operations":["clients.list","users.list"]})",
                201);
  std::string reader = key_ + "-read";
  EXPECT_EQ(sim().api(key_, reader, "GET", "/v1/clients").status, 200);
  auto denied = sim().api(key_, reader, "POST", "/v1/clients", R"({"name":"A","name_disp":"A"})");
  EXPECT_EQ(denied.status, 403);
  expect_message(denied, "clients.create");
  EXPECT_EQ(sim().api(key_, reader, "GET", "/v1/projects").status, 403);
  EXPECT_EQ(
      sim()
          .api(key_, reader, "PATCH", "/v1/projects/order_status/999999", R"({"order_status":4})")
          .status,
      403);
  EXPECT_EQ(sim().api(key_, reader, "GET", "/v1/invoices").status, 403);
  // The F1.1 probe: a write on an id that cannot exist tells allowed (404) from not (403).
  EXPECT_EQ(api("PATCH", "/v1/clients/999999999", "{}").status, 404);
  EXPECT_EQ(sim().api(key_, reader, "PATCH", "/v1/clients/999999999", "{}").status, 403);
}

TEST_F(BoardSim, ClientCreateRequiresNameAndNameDisp) {
  auto no_disp = api("POST", "/v1/clients", R"({"name":"株式会社テスト"})");
  EXPECT_EQ(no_disp.status, 422);
  expect_message(no_disp, "name_disp");
  auto no_name = api("POST", "/v1/clients", R"({"name_disp":"テスト"})");
  EXPECT_EQ(no_name.status, 422);
  expect_message(no_name, "(name)");
  EXPECT_EQ(api("POST", "/v1/clients", R"({"name":"","name_disp":"x"})").status, 422);
  EXPECT_EQ(api("POST", "/v1/clients", "{not json").status, 400);
  // Without a JSON content type board sees no parameters at all.
  auto untyped = sim().call(
      "POST", "/v1/clients", R"({"name":"A","name_disp":"A"})",
      {{"x-api-key", key_}, {"Authorization", "Bearer " + token_}, {"Content-Type", "text/plain"}});
  EXPECT_EQ(untyped.status, 422);
  EXPECT_EQ(api("POST", "/v1/clients", R"({"name":"A","name_disp":"A","zip":"1500001"})").status,
            422);
}

TEST_F(BoardSim, ClientRoutesShapeAndLifecycle) {
  auto created =
      api("POST", "/v1/clients",
          R"({"name":"株式会社テスト","name_disp":"テスト","zip":"150-0001","pref":"東京都",)"
          R"("address1":"渋谷区神宮前1-1","tel":"03-1234-5678","tags":["a","b"]})");
  ASSERT_EQ(created.status, 201) << created.body;
  auto c = parse(created.body);
  int64_t id = c["id"].GetInt64();
  EXPECT_STREQ(c["name"].GetString(), "株式会社テスト");
  EXPECT_STREQ(c["name_disp"].GetString(), "テスト");
  EXPECT_STREQ(c["zip"].GetString(), "150-0001");
  EXPECT_STREQ(c["pref"].GetString(), "東京都");
  EXPECT_TRUE(c["address2"].IsNull());
  EXPECT_EQ(c["tags"].Size(), 2u);
  EXPECT_TRUE(is_timestamp(c["created_at"]));
  EXPECT_TRUE(is_timestamp(c["updated_at"]));

  auto got = api("GET", "/v1/clients/" + std::to_string(id));
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(parse(got.body)["id"].GetInt64(), id);

  sim().control("POST", "/_sim/clock", R"({"advance_seconds":60})");
  auto patched = api("PATCH", "/v1/clients/" + std::to_string(id), R"({"tel":"03-0000-0000"})");
  ASSERT_EQ(patched.status, 200) << patched.body;
  auto p = parse(patched.body);
  EXPECT_STREQ(p["tel"].GetString(), "03-0000-0000");
  EXPECT_STREQ(p["name"].GetString(), "株式会社テスト");
  EXPECT_GT(std::string(p["updated_at"].GetString()), std::string(c["updated_at"].GetString()));

  // Form-encoded bodies are parameters too, as Rails reads them.
  auto form = sim().call("POST", "/v1/clients", "name=%E5%BD%A2&name_disp=F&tags%5B%5D=x",
                         {{"x-api-key", key_},
                          {"Authorization", "Bearer " + token_},
                          {"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(form.status, 201) << form.body;

  EXPECT_EQ(api("GET", "/v1/clients/999999999").status, 404);
  expect_message(api("GET", "/v1/clients/999999999"));
  EXPECT_EQ(api("GET", "/v1/clients/abc").status, 404);
  EXPECT_EQ(api("PATCH", "/v1/clients/999999999", R"({"tel":"1"})").status, 404);
  EXPECT_EQ(api("DELETE", "/v1/clients/" + std::to_string(id)).status, 204);
  EXPECT_EQ(api("GET", "/v1/clients/" + std::to_string(id)).status, 404);
  EXPECT_EQ(api("DELETE", "/v1/clients/" + std::to_string(id)).status, 404);
}

TEST_F(BoardSim, PaginationAcrossPages) {
  for (int i = 1; i <= 5; ++i) create_client("顧客" + std::to_string(i));
  std::vector<int64_t> seen;
  for (int page = 1; page <= 3; ++page) {
    auto r = api("GET", "/v1/clients?per_page=2&page=" + std::to_string(page));
    ASSERT_EQ(r.status, 200);
    expect_list_headers(r, 5, page, 2);
    auto list = parse(r.body);
    EXPECT_EQ(list.Size(), page < 3 ? 2u : 1u);
    for (const auto& c : list.GetArray()) seen.push_back(c["id"].GetInt64());
  }
  EXPECT_EQ(seen.size(), 5u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_EQ(parse(api("GET", "/v1/clients?per_page=2&page=4").body).Size(), 0u);
  auto too_big = api("GET", "/v1/clients?per_page=101");
  EXPECT_EQ(too_big.status, 400);
  expect_message(too_big, "per_page");
  EXPECT_EQ(api("GET", "/v1/clients?per_page=100").status, 200);
  EXPECT_EQ(api("GET", "/v1/projects?per_page=101").status, 400);
  EXPECT_EQ(api("GET", "/v1/invoices?per_page=101").status, 400);
  EXPECT_EQ(api("GET", "/v1/users?per_page=101").status, 400);
}

TEST_F(BoardSim, ClientFilters) {
  int64_t a = create_client("株式会社アルファ");
  create_client("ベータ合同会社");
  auto by_name =
      parse(api("GET", "/v1/clients?name_cont=" + hbsync::http::url_encode("アルファ")).body);
  ASSERT_EQ(by_name.Size(), 1u);
  EXPECT_EQ(by_name[0]["id"].GetInt64(), a);
  EXPECT_EQ(
      parse(api("GET", "/v1/clients?name_disp_cont=" + hbsync::http::url_encode("ベータ")).body)
          .Size(),
      1u);

  auto clock = sim().control("POST", "/_sim/clock", R"({"advance_seconds":3600})");
  std::string after = clock["now"].GetString();  // "YYYY-MM-DDTHH:MM:SS+09:00"
  std::string jst = after.substr(0, 10) + " " + after.substr(11, 8);
  api("PATCH", "/v1/clients/" + std::to_string(a), R"({"note":"changed"})");
  auto changed =
      parse(api("GET", "/v1/clients?updated_at_gteq=" + hbsync::http::url_encode(jst)).body);
  ASSERT_EQ(changed.Size(), 1u);
  EXPECT_EQ(changed[0]["id"].GetInt64(), a);
  EXPECT_EQ(api("GET", "/v1/clients?updated_at_gteq=tomorrow").status, 400);
}

TEST_F(BoardSim, ProjectCreateRulesPerInvoiceTiming) {
  int64_t client = create_client("顧客");
  std::string base = R"({"name":"案件","client_id":)" + std::to_string(client) + R"(,"user_id":)" +
                     std::to_string(user_id_) + R"(,"order_status":1)";
  auto expect_422 = [&](const std::string& body, const std::string& field) {
    auto r = api("POST", "/v1/projects", body);
    EXPECT_EQ(r.status, 422) << body << " -> " << r.body;
    expect_message(r, field);
  };
  expect_422(base + "}", "invoice_timing_kbn");
  expect_422(base + R"(,"invoice_timing_kbn":1})", "invoice_date");
  expect_422(base + R"(,"invoice_timing_kbn":2,"contract_start_date":"2024-01-01"})",
             "contract_end_date");
  expect_422(base + R"(,"invoice_timing_kbn":3})", "invoice_dates");
  expect_422(base + R"(,"invoice_timing_kbn":3,"invoice_dates":["2024-02-30"]})", "invoice_dates");
  expect_422(base + R"(,"invoice_timing_kbn":5,"invoice_date":"2024-05-31"})",
             "invoice_timing_kbn");
  expect_422(R"({"client_id":)" + std::to_string(client) + R"(,"user_id":)" +
                 std::to_string(user_id_) +
                 R"(,"order_status":1,"invoice_timing_kbn":1,"invoice_date":"2024-05-31"})",
             "(name)");
  expect_422(project_body(999999999), "client_id");
  expect_422(
      R"({"name":"x","client_id":)" + std::to_string(client) +
          R"(,"user_id":999999999,"order_status":1,"invoice_timing_kbn":1,"invoice_date":"2024-05-31"})",
      "user_id");
  expect_422(project_body(client, "", 6), "order_status");

  auto lump = create_project(client, R"(,"management_no":"HS-1001")");
  EXPECT_EQ(lump["invoice_dates"].Size(), 1u);
  auto periodic = api(
      "POST", "/v1/projects",
      base +
          R"(,"invoice_timing_kbn":2,"contract_start_date":"2024-01-31","contract_end_date":"2024-04-30"})");
  ASSERT_EQ(periodic.status, 201) << periodic.body;
  EXPECT_EQ(parse(periodic.body)["invoice_dates"].Size(), 4u);
  auto split =
      api("POST", "/v1/projects",
          base + R"(,"invoice_timing_kbn":3,"invoice_dates":["2024-06-30","2024-05-31"]})");
  ASSERT_EQ(split.status, 201) << split.body;
  auto s = parse(split.body);
  ASSERT_EQ(s["invoice_dates"].Size(), 2u);
  EXPECT_STREQ(s["invoice_dates"][0].GetString(), "2024-05-31");
}

TEST_F(BoardSim, ProjectShapeHasStringAmountsAndEmbeddedRecords) {
  int64_t client = create_client("株式会社シェイプ");
  auto p = create_project(client, R"(,"management_no":"HS-42","estimate_date":"2024-05-01")", 4);
  EXPECT_TRUE(p["id"].IsInt64());
  EXPECT_TRUE(p["project_no"].IsInt64());
  EXPECT_STREQ(p["management_no"].GetString(), "HS-42");
  EXPECT_STREQ(p["name"].GetString(), "案件");
  EXPECT_EQ(p["client_id"].GetInt64(), client);
  EXPECT_EQ(p["client"]["id"].GetInt64(), client);
  EXPECT_STREQ(p["client"]["name"].GetString(), "株式会社シェイプ");
  EXPECT_TRUE(p["client"]["name_disp"].IsString());
  EXPECT_EQ(p["user_id"].GetInt64(), user_id_);
  EXPECT_STREQ(p["user"]["last_name"].GetString(), "山田");
  EXPECT_STREQ(p["user"]["first_name"].GetString(), "太郎");
  EXPECT_EQ(p["order_status"].GetInt(), 4);
  EXPECT_STREQ(p["order_status_name"].GetString(), "受注確定");
  EXPECT_STREQ(p["total"].GetString(), "0.0");
  EXPECT_STREQ(p["tax"].GetString(), "0.0");
  EXPECT_STREQ(p["invoice_total"].GetString(), "0.0");
  EXPECT_STREQ(p["estimate_date"].GetString(), "2024-05-01");
  EXPECT_TRUE(p["ordered_date"].IsNull());
  ASSERT_TRUE(p["invoice_dates"].IsArray());
  EXPECT_STREQ(p["invoice_dates"][0].GetString(), "2024-05-31");
  EXPECT_TRUE(is_timestamp(p["created_at"]));
  EXPECT_TRUE(is_timestamp(p["updated_at"]));

  // estimate_date defaults to today in Japan.
  auto today = create_project(client);
  EXPECT_EQ(today["estimate_date"].GetStringLength(), 10u);

  auto got = api("GET", "/v1/projects/" + std::to_string(p["id"].GetInt64()));
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(parse(got.body)["id"].GetInt64(), p["id"].GetInt64());
  EXPECT_EQ(api("GET", "/v1/projects/999999999").status, 404);
}

TEST_F(BoardSim, ProjectListFiltersAndOrder) {
  int64_t c1 = create_client("顧客1");
  int64_t c2 = create_client("顧客2");
  auto p1 = create_project(c1, R"(,"management_no":"HS-1")", 1);
  auto p2 = create_project(c1, R"(,"management_no":"HS-2")", 2);
  auto p3 = create_project(c2, R"(,"management_no":"HS-3")", 5);
  auto lost = create_project(c2, "", 9);

  auto all = api("GET", "/v1/projects");
  ASSERT_EQ(all.status, 200);
  expect_list_headers(all, 3, 1, 20);
  auto list = parse(all.body);
  ASSERT_EQ(list.Size(), 3u);                                // 失注 hidden by default
  EXPECT_EQ(list[0]["id"].GetInt64(), p3["id"].GetInt64());  // newest first
  EXPECT_EQ(list[2]["id"].GetInt64(), p1["id"].GetInt64());
  EXPECT_EQ(parse(api("GET", "/v1/projects?include_lost_flg=1").body).Size(), 4u);
  EXPECT_EQ(parse(api("GET", "/v1/projects?include_lost_flg=0").body).Size(), 3u);

  auto by_management = parse(api("GET", "/v1/projects?management_no_eq=HS-2").body);
  ASSERT_EQ(by_management.Size(), 1u);
  EXPECT_EQ(by_management[0]["id"].GetInt64(), p2["id"].GetInt64());
  EXPECT_EQ(parse(api("GET", "/v1/projects?client_id_eq=" + std::to_string(c2)).body).Size(), 1u);
  EXPECT_EQ(
      parse(api("GET", "/v1/projects?project_no_eq=" + std::to_string(p2["project_no"].GetInt64()))
                .body)
          .Size(),
      1u);

  // One parameter, comma-joined: both statuses.
  EXPECT_EQ(parse(api("GET", "/v1/projects?order_status_in%5B%5D=1%2C2").body).Size(), 2u);
  EXPECT_EQ(parse(api("GET", "/v1/projects?order_status_in[]=1,2").body).Size(), 2u);
  // Repeated keys: only the first value is used.
  auto repeated = parse(api("GET", "/v1/projects?order_status_in[]=1&order_status_in[]=2").body);
  ASSERT_EQ(repeated.Size(), 1u);
  EXPECT_EQ(repeated[0]["order_status"].GetInt(), 1);
  EXPECT_EQ(parse(api("GET", "/v1/projects?order_status_in[]=9&include_lost_flg=1").body).Size(),
            1u);
  EXPECT_EQ(
      parse(api("GET", "/v1/projects?name_cont=" + hbsync::http::url_encode("案")).body).Size(),
      3u);
  (void)lost;
}

TEST_F(BoardSim, ProjectPatchAndOrderStatusUpdate) {
  int64_t client = create_client("顧客");
  auto p = create_project(client);
  std::string id = std::to_string(p["id"].GetInt64());

  auto renamed =
      api("PATCH", "/v1/projects/" + id, R"({"name":"新しい案件名","management_no":"HS-7"})");
  ASSERT_EQ(renamed.status, 200) << renamed.body;
  EXPECT_STREQ(parse(renamed.body)["name"].GetString(), "新しい案件名");
  auto dates = api("PATCH", "/v1/projects/" + id, R"({"invoice_date":"2024-06-30"})");
  EXPECT_EQ(dates.status, 422);
  expect_message(dates, "invoice_date");
  EXPECT_EQ(api("PATCH", "/v1/projects/" + id, R"({"invoice_dates":["2024-06-30"]})").status, 422);
  EXPECT_EQ(api("PATCH", "/v1/projects/999999999", R"({"name":"x"})").status, 404);

  sim().control("POST", "/_sim/clock", R"({"advance_seconds":120})");
  auto moved = api("PATCH", "/v1/projects/order_status/" + id, R"({"order_status":5})");
  ASSERT_EQ(moved.status, 200) << moved.body;
  auto m = parse(moved.body);
  EXPECT_EQ(m["order_status"].GetInt(), 5);
  EXPECT_STREQ(m["order_status_name"].GetString(), "受注済");
  EXPECT_GT(std::string(m["updated_at"].GetString()), std::string(p["updated_at"].GetString()));
  EXPECT_EQ(api("PATCH", "/v1/projects/order_status/" + id, R"({"order_status":7})").status, 422);
  EXPECT_EQ(api("PATCH", "/v1/projects/order_status/" + id, "{}").status, 422);
  EXPECT_EQ(api("PATCH", "/v1/projects/order_status/999999999", R"({"order_status":4})").status,
            404);
  EXPECT_EQ(api("DELETE", "/v1/projects/" + id).status, 204);
  EXPECT_EQ(api("GET", "/v1/projects/" + id).status, 404);
}

TEST_F(BoardSim, InvoiceListShapeAndFilters) {
  int64_t client = create_client("顧客");
  auto p = create_project(client, "", 5);
  auto other = create_project(client, "", 1);
  auto r = api("GET", "/v1/invoices");
  ASSERT_EQ(r.status, 200);
  expect_list_headers(r, 2, 1, 20);
  auto list = parse(r.body);
  ASSERT_EQ(list.Size(), 2u);
  const auto& i = list[1];
  EXPECT_TRUE(i["id"].IsInt64());
  EXPECT_EQ(i["project_id"].GetInt64(), p["id"].GetInt64());
  EXPECT_EQ(i["project_no"].GetInt64(), p["project_no"].GetInt64());
  EXPECT_TRUE(i["total"].IsString());
  EXPECT_TRUE(i["tax"].IsString());
  EXPECT_STREQ(i["invoice_date"].GetString(), "2024-05-31");
  EXPECT_STREQ(i["payment_limit_date"].GetString(), "2024-06-30");
  EXPECT_EQ(i["order_status"].GetInt(), 5);
  EXPECT_EQ(i["invoice_status"].GetInt(), 1);
  EXPECT_STREQ(i["invoice_status_name"].GetString(), "未請求");
  EXPECT_TRUE(i["paid_date"].IsNull());
  EXPECT_TRUE(is_timestamp(i["updated_at"]));

  EXPECT_EQ(parse(api("GET", "/v1/invoices?project_order_status_in[]=5").body).Size(), 1u);
  EXPECT_EQ(parse(api("GET", "/v1/invoices?project_project_no_eq=" +
                                 std::to_string(other["project_no"].GetInt64()))
                      .body)
                .Size(),
            1u);
  EXPECT_EQ(
      parse(api("GET", "/v1/invoices?project_client_id_eq=" + std::to_string(client)).body).Size(),
      2u);
  EXPECT_EQ(parse(api("GET", "/v1/invoices?invoice_status_in[]=2,3").body).Size(), 0u);
  EXPECT_EQ(parse(api("GET", "/v1/invoices?invoice_date_gteq=2024-06-01").body).Size(), 0u);
  EXPECT_EQ(parse(api("GET", "/v1/invoices?invoice_date_lteq=2024-05-31").body).Size(), 2u);
}

TEST_F(BoardSim, BoardUserChangesAreVisibleWithUpdatedAtMoved) {
  int64_t client = create_client("顧客");
  auto p = create_project(client, "", 4);
  int64_t id = p["id"].GetInt64();
  std::string before = p["updated_at"].GetString();

  auto clock = sim().control("POST", "/_sim/clock", R"({"advance_seconds":600})");
  std::string now = clock["now"].GetString();
  std::string since = now.substr(0, 10) + " " + now.substr(11, 8);
  sim().control("POST", "/_sim/projects/" + std::to_string(id) + "/order_status",
                R"({"order_status":5})");
  sim().control("POST", "/_sim/projects/" + std::to_string(id) + "/total", R"({"total":90000})");

  auto changed =
      parse(api("GET", "/v1/projects?updated_at_gteq=" + hbsync::http::url_encode(since)).body);
  ASSERT_EQ(changed.Size(), 1u);
  EXPECT_EQ(changed[0]["order_status"].GetInt(), 5);
  EXPECT_STREQ(changed[0]["total"].GetString(), "90000.0");
  EXPECT_STREQ(changed[0]["tax"].GetString(), "9000.0");
  EXPECT_GT(std::string(changed[0]["updated_at"].GetString()), std::string(before.c_str()));

  auto added = sim().control("POST", "/_sim/projects/" + std::to_string(id) + "/invoices",
                             R"({"invoice_date":"2024-06-30","total":"10000"})", 201);
  int64_t invoice_id = added["id"].GetInt64();
  sim().control("POST", "/_sim/clock", R"({"advance_seconds":600})");
  auto billed = sim().control("POST", "/_sim/invoices/" + std::to_string(invoice_id) + "/status",
                              R"({"invoice_status":2})");
  EXPECT_STREQ(billed["invoice_status_name"].GetString(), "請求済");
  auto paid = sim().control("POST", "/_sim/invoices/" + std::to_string(invoice_id) + "/status",
                            R"({"invoice_status":3})");
  EXPECT_STREQ(paid["invoice_status_name"].GetString(), "入金済");
  EXPECT_TRUE(paid["paid_date"].IsString());

  auto invoices = parse(api("GET", "/v1/invoices?invoice_status_in[]=3&updated_at_gteq=" +
                                       hbsync::http::url_encode(since))
                            .body);
  ASSERT_EQ(invoices.Size(), 1u);
  EXPECT_EQ(invoices[0]["id"].GetInt64(), invoice_id);
  EXPECT_STREQ(invoices[0]["total"].GetString(), "10000.0");
  EXPECT_GT(std::string(invoices[0]["updated_at"].GetString()),
            std::string(invoices[0]["created_at"].GetString()));
  auto project = parse(api("GET", "/v1/projects/" + std::to_string(id)).body);
  EXPECT_EQ(project["invoice_dates"].Size(), 2u);
  EXPECT_STREQ(project["invoice_total"].GetString(), "100000.0");

  // State read-back: everything, no paging, no rate limit.
  auto state = sim().control("GET", "/_sim/accounts/" + key_ + "/invoices");
  EXPECT_EQ(state.Size(), 2u);
  EXPECT_EQ(sim().control("GET", "/_sim/accounts/" + key_ + "/projects").Size(), 1u);
  EXPECT_EQ(sim().control("GET", "/_sim/accounts/" + key_ + "/clients").Size(), 1u);
  sim().control("POST", "/_sim/invoices/999999999/status", R"({"invoice_status":3})", 404);
  sim().control("POST", "/_sim/invoices/" + std::to_string(invoice_id) + "/status",
                R"({"invoice_status":7})", 422);
}

TEST_F(BoardSim, NextRequestsAnswer503ThenRecover) {
  sim().control("POST", "/_sim/faults", R"({"count":2,"status":503})");
  for (int i = 0; i < 2; ++i) {
    auto r = api("GET", "/v1/users");
    EXPECT_EQ(r.status, 503);
    expect_message(r);
  }
  EXPECT_EQ(api("GET", "/v1/users").status, 200);
}

TEST_F(BoardSim, RouteSpecificFaultOnlyHitsThatRoute) {
  int64_t client = create_client("顧客");
  sim().control("POST", "/_sim/faults", R"({"route":"POST /v1/projects","status":500})");
  EXPECT_EQ(api("GET", "/v1/projects").status, 200);
  EXPECT_EQ(api("POST", "/v1/projects", project_body(client)).status, 500);
  // The failed create changed nothing.
  EXPECT_EQ(sim().control("GET", "/_sim/accounts/" + key_ + "/projects").Size(), 0u);
  EXPECT_EQ(api("POST", "/v1/projects", project_body(client)).status, 201);

  sim().control("POST", "/_sim/faults", R"({"status":429,"retry_after":7})");
  auto limited = api("GET", "/v1/users");
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.headers.get("Retry-After").value_or(""), "7");
}

TEST_F(BoardSim, HangOutlastsTheClientsTimeout) {
  sim().control("POST", "/_sim/faults", R"({"count":1,"hang_ms":1000})");
  auto start = std::chrono::steady_clock::now();
  auto hung = sim().try_call("GET", "/v1/users", "",
                             {{"x-api-key", key_}, {"Authorization", "Bearer " + token_}}, 300ms);
  EXPECT_EQ(hung.error, hbsync::http::ErrorKind::timeout);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 900ms);
  EXPECT_EQ(api("GET", "/v1/users").status, 200);
}

TEST_F(BoardSim, LatencyDelaysAnswers) {
  sim().control("POST", "/_sim/latency", R"({"ms":200})");
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(api("GET", "/v1/users").status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 200ms);
}

TEST_F(BoardSim, RevokedCredentialsFailAuthentication) {
  sim().control("POST", "/_sim/revoke", R"({"credential":")" + token_ + "\"}");
  auto revoked = api("GET", "/v1/users");
  EXPECT_EQ(revoked.status, 401);
  expect_message(revoked);
  sim().control("POST", "/_sim/unrevoke", R"({"credential":")" + token_ + "\"}");
  EXPECT_EQ(api("GET", "/v1/users").status, 200);
  sim().control("POST", "/_sim/revoke", R"({"credential":")" + key_ + "\"}");
  EXPECT_EQ(api("GET", "/v1/users").status, 401);
  sim().control("POST", "/_sim/unrevoke", R"({"credential":")" + key_ + "\"}");
  EXPECT_EQ(api("GET", "/v1/users").status, 200);
}

TEST_F(BoardSim, CallsAreCountedPerAccountRouteAndStatus) {
  api("GET", "/v1/users");
  api("GET", "/v1/users");
  api("GET", "/v1/clients/999999999");
  sim().api(key_, "wrong", "GET", "/v1/users");
  auto calls = sim().control("GET", "/_sim/calls");
  const auto& mine = calls["accounts"][key_.c_str()];
  EXPECT_EQ(mine["routes"]["GET /v1/users"]["200"].GetInt(), 2);
  EXPECT_EQ(mine["routes"]["GET /v1/users"]["401"].GetInt(), 1);
  EXPECT_EQ(mine["routes"]["GET /v1/clients/{id}"]["404"].GetInt(), 1);
  EXPECT_EQ(mine["total"].GetInt(), 4);
  EXPECT_GE(mine["max_in_window"].GetInt(), 1);
  EXPECT_EQ(calls["limits"]["per_second"].GetInt(), 100000);
  EXPECT_EQ(calls["peak_window_ms"].GetInt(), 1000);
}

TEST_F(BoardSim, ControlApiRejectsBadSeeds) {
  sim().control("POST", "/_sim/accounts", R"({"api_key":")" + key_ + "\"}", 409);
  sim().control("POST", "/_sim/accounts", R"({"tokens":[]})", 400);
  sim().control("POST", "/_sim/accounts",
                R"({"api_key":"bad-op","tokens":[{"token":"t-bad","operations":["nope"]}]})", 400);
  // Nothing half-created.
  sim().control("POST", "/_sim/accounts/bad-op/users", R"({"email":"a@b.c","last_name":"x"})", 404);
  sim().control("POST", "/_sim/accounts/" + key_ + "/clients", R"({"name":"x"})", 422);
  auto seeded = sim().control("POST", "/_sim/accounts/" + key_ + "/clients",
                              R"({"name":"アーカイブ済","name_disp":"A","archive_flg":1})", 201);
  EXPECT_EQ(parse(api("GET", "/v1/clients").body).Size(), 0u);
  EXPECT_EQ(parse(api("GET", "/v1/clients?include_archive_flg=1").body).Size(), 1u);
  (void)seeded;
}

// Rate limits run against their own simulator with the real defaults
// (3 per second) and a small daily budget.
class BoardSimRates : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { sim_ = new Sim(Env{{"HBSYNC_SIM_BOARD_RATE_PER_DAY", "5"}}); }
  static void TearDownTestSuite() {
    delete sim_;
    sim_ = nullptr;
  }
  static Sim* sim_;

  void seed(const std::string& key) {
    sim_->control("POST", "/_sim/accounts",
                  R"({"api_key":")" + key + R"(","tokens":[{"token":")" + key + R"(-t"}]})", 201);
  }
};

Sim* BoardSimRates::sim_ = nullptr;

TEST_F(BoardSimRates, FourthRequestInsideOneSecondIs429WithRetryAfter) {
  seed("burst");
  std::vector<int> statuses;
  for (int i = 0; i < 4; ++i)
    statuses.push_back(sim_->api("burst", "burst-t", "GET", "/v1/users").status);
  EXPECT_EQ(statuses, (std::vector<int>{200, 200, 200, 429}));
  auto limited = sim_->api("burst", "burst-t", "GET", "/v1/users");
  EXPECT_EQ(limited.status, 429);
  expect_message(limited);
  EXPECT_EQ(limited.headers.get("Retry-After").value_or(""), "1");
  // The scenario: the 1 s window passes (Retry-After: 1), then calls pass again.
  std::this_thread::sleep_for(1100ms);
  EXPECT_EQ(sim_->api("burst", "burst-t", "GET", "/v1/users").status, 200);

  auto calls = sim_->control("GET", "/_sim/calls");
  EXPECT_GE(calls["accounts"]["burst"]["max_in_window"].GetInt(), 4);  // the client went over 3/s
  EXPECT_EQ(calls["accounts"]["burst"]["routes"]["GET /v1/users"]["429"].GetInt(), 2);
  // Requests without a known key are 401 and use no key's budget.
  EXPECT_EQ(sim_->api("", "", "GET", "/v1/users").status, 401);
}

TEST_F(BoardSimRates, DailyBudgetRunsOut) {
  seed("daily");
  auto call = [] { return sim_->api("daily", "daily-t", "GET", "/v1/users"); };
  for (int i = 0; i < 3; ++i) EXPECT_EQ(call().status, 200);
  // The scenario: calls spread over seconds (past the per-second limit), so
  // only the daily budget can refuse them.
  std::this_thread::sleep_for(1050ms);
  for (int i = 0; i < 2; ++i) EXPECT_EQ(call().status, 200);
  std::this_thread::sleep_for(1050ms);
  auto spent = call();
  EXPECT_EQ(spent.status, 429);
  expect_message(spent, "Limit Exceeded");
  int64_t retry_after = std::stoll(std::string(spent.headers.get("Retry-After").value_or("0")));
  EXPECT_GT(retry_after, 86000);
  EXPECT_LE(retry_after, 86400);
  // Another key still has its own budget.
  seed("daily-2");
  EXPECT_EQ(sim_->api("daily-2", "daily-2-t", "GET", "/v1/users").status, 200);
  // Raising the limit at runtime starts fresh windows.
  sim_->control("POST", "/_sim/limits", R"({"per_day":100})");
  EXPECT_EQ(call().status, 200);
}

TEST(BoardSimProcess, HelpListsVariablesAndResetClearsEverything) {
  Sim sim;
  sim.control("POST", "/_sim/accounts", R"({"api_key":"k","tokens":[{"token":"t"}]})", 201);
  EXPECT_EQ(sim.api("k", "t", "GET", "/v1/users").status, 200);
  sim.control("POST", "/_sim/reset");
  EXPECT_EQ(sim.api("k", "t", "GET", "/v1/users").status, 401);
  EXPECT_EQ(sim.control("GET", "/_sim/calls")["total"].GetInt(), 1);
  EXPECT_STREQ(sim.control("GET", "/_sim/healthz")["simulator"].GetString(), "board");

  std::string help_file = std::filesystem::temp_directory_path() / "hbsync-sim-board-help.txt";
  std::string command = hbsync::testing::bin_path("hbsync-sim-board") + " --help > " + help_file;
  ASSERT_EQ(std::system(command.c_str()), 0);
  std::ifstream in(help_file);
  std::string help((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const char* name : {"HBSYNC_SIM_BOARD_PORT", "HBSYNC_SIM_BOARD_RATE_PER_SECOND",
                           "HBSYNC_SIM_BOARD_RATE_PER_DAY", "HBSYNC_SIM_BOARD_PORT_FILE"}) {
    EXPECT_NE(help.find(name), std::string::npos) << name;
  }
  std::filesystem::remove(help_file);
}

TEST(BoardSimProcess, SeedFileCreatesAccountsAtStart) {
  std::string seed = std::filesystem::temp_directory_path() / "hbsync-sim-board-seed.json";
  {
    std::ofstream out(seed);
    out << R"({"accounts":[{"api_key":"demo","tokens":[{"token":"demo-t"}],)"
           R"("users":[{"email":"demo@example.com","last_name":"デモ"}]}]})";
  }
  Sim sim(Env{{"HBSYNC_SIM_BOARD_SEED_FILE", seed}});
  auto r = sim.api("demo", "demo-t", "GET", "/v1/users");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(parse(r.body).Size(), 1u);
  std::filesystem::remove(seed);
}

}  // namespace
