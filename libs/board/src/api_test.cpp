// Integration tests of the board client against the real hbsync-sim-board and
// a real redis-server, both started here. Each test works in its own board
// account (API key), so limiter keys and simulator counters are its own.
#include "hbsync/board/api.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <signal.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "hbsync/metrics/metrics.hpp"
#include "hbsync/testing/process.hpp"
#include "hbsync/testing/redis_server.hpp"

namespace hbsync::board {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  EXPECT_FALSE(doc.HasParseError()) << text;
  return doc;
}

// The simulator binary in a private directory, stopped on destruction.
class Sim {
 public:
  explicit Sim(std::map<std::string, std::string> env) {
    char tmpl[] = "/tmp/hbsync-board-api-test-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    const std::string port_file = dir_ + "/port";
    env["HBSYNC_SIM_BOARD_PORT"] = "0";
    env["HBSYNC_SIM_BOARD_PORT_FILE"] = port_file;
    env.emplace("HBSYNC_LOG_LEVEL", "warn");
    process_ = testing::Process({testing::bin_path("hbsync-sim-board")}, env, dir_ + "/sim.log");
    std::string port;
    const bool up = testing::wait_until(
        [&] {
          std::ifstream in(port_file);
          return static_cast<bool>(in >> port);
        },
        10s);
    if (!up) throw std::runtime_error("hbsync-sim-board did not start; see " + dir_ + "/sim.log");
    base_ = "http://127.0.0.1:" + port;
  }
  ~Sim() {
    process_.signal(SIGTERM);
    process_.wait(5s);
    std::filesystem::remove_all(dir_);
  }

  const std::string& base_url() const { return base_; }

  rapidjson::Document control(const std::string& method, const std::string& target,
                              const std::string& body = "") {
    http::ClientRequest request{.method = method, .url = base_ + target, .body = body};
    if (!body.empty()) request.headers.set("Content-Type", "application/json");
    auto result = client_.send(request);
    EXPECT_TRUE(result.ok()) << result.error_message;
    EXPECT_LT(result.response.status, 300)
        << method << " " << target << ": " << result.response.body;
    return parse(result.response.body.empty() ? "{}" : result.response.body);
  }

  // Calls the simulator counted for this API key on "METHOD /pattern" with
  // `status` ("" = every status).
  int64_t calls(const std::string& key, const std::string& route = "",
                const std::string& status = "") {
    auto doc = control("GET", "/_sim/calls");
    if (!doc["accounts"].HasMember(key.c_str())) return 0;
    const auto& account = doc["accounts"][key.c_str()];
    if (route.empty()) return account["total"].GetInt64();
    if (!account["routes"].HasMember(route.c_str())) return 0;
    int64_t n = 0;
    for (auto& m : account["routes"][route.c_str()].GetObject()) {
      if (status.empty() || status == m.name.GetString()) n += m.value.GetInt64();
    }
    return n;
  }

  int64_t max_in_window(const std::string& key) {
    auto doc = control("GET", "/_sim/calls");
    if (!doc["accounts"].HasMember(key.c_str())) return 0;
    return doc["accounts"][key.c_str()]["max_in_window"].GetInt64();
  }

 private:
  std::string dir_;
  testing::Process process_;
  std::string base_;
  http::Client client_;
};

retry::Policy fast_retries() {
  return retry::Policy{
      .max_attempts = 6, .initial_delay = 20ms, .max_delay = 200ms, .max_elapsed = 30s};
}

// The simulator would admit 100,000 per second: every limit a test sees comes
// from our own limiter.
class BoardApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    sim_ = new Sim({{"HBSYNC_SIM_BOARD_RATE_PER_SECOND", "100000"},
                    {"HBSYNC_SIM_BOARD_RATE_PER_DAY", "100000000"}});
    redis_server_ = new testing::RedisServer();
  }
  static void TearDownTestSuite() {
    delete sim_;
    delete redis_server_;
  }

  void SetUp() override {
    static std::atomic<int> counter{0};
    key_ = "key-" + std::to_string(++counter) + "-" + std::to_string(::getpid());
    token_ = key_ + "-token";
    auto account = sim().control(
        "POST", "/_sim/accounts",
        R"({"api_key":")" + key_ + R"(","tokens":[{"token":")" + token_ +
            R"(","operations":["*"]}],"users":[{"email":"Owner@Example.com","last_name":"山田","first_name":"太郎"},{"email":"sales@example.com","last_name":"佐藤","first_name":"花子"}]})");
    owner_id_ = account["users"][0]["id"].GetInt64();
    redis_ = std::make_unique<redis::Client>(redis::Options{.url = redis_server_->url()});
  }
  void TearDown() override { sim().control("DELETE", "/_sim/faults"); }

  Sim& sim() { return *sim_; }

  // An Api whose own limiter is generous unless the test says otherwise.
  std::unique_ptr<Api> make_api(Options options = fast_options(), Sim* target = nullptr) {
    options.base_url = (target ? *target : sim()).base_url();
    return std::make_unique<Api>(options, http_, *redis_);
  }
  static Options fast_options() {
    return Options{.rate_per_second = 1000, .rate_margin = 0ms, .retry = fast_retries()};
  }
  Credentials credentials() const { return {key_, token_}; }

  int64_t create_client(Account& account, const std::string& name) {
    auto client = account.create_client({.name = name, .name_disp = name});
    EXPECT_TRUE(client) << (client ? "" : client.error().message);
    return client ? client->id : 0;
  }

  NewProject new_project(int64_t client_id, const std::string& management_no) {
    return NewProject{.name = "案件 " + management_no,
                      .client_id = client_id,
                      .user_id = owner_id_,
                      .order_status = domain::OrderStatus::estimate_high,
                      .invoice_timing = InvoiceTiming::lump_sum,
                      .invoice_date = "2024-06-30",
                      .management_no = management_no};
  }

  static Sim* sim_;
  static testing::RedisServer* redis_server_;
  std::string key_;
  std::string token_;
  int64_t owner_id_ = 0;
  http::Client http_;
  std::unique_ptr<redis::Client> redis_;
};

Sim* BoardApiTest::sim_ = nullptr;
testing::RedisServer* BoardApiTest::redis_server_ = nullptr;

TEST_F(BoardApiTest, UsersAreListedAndFoundByEmail) {
  auto api = make_api();
  Account account = api->account(credentials());
  auto users = account.list_all_users();
  ASSERT_TRUE(users) << users.error().message;
  ASSERT_EQ(users->size(), 2u);
  EXPECT_EQ((*users)[0].last_name, "山田");
  EXPECT_TRUE((*users)[0].valid);

  auto owner = account.find_user_by_email("owner@example.com");
  ASSERT_TRUE(owner);
  ASSERT_TRUE(owner->has_value());
  EXPECT_EQ((*owner)->id, owner_id_);
  auto nobody = account.find_user_by_email("nobody@example.com");
  ASSERT_TRUE(nobody);
  EXPECT_FALSE(nobody->has_value());
}

TEST_F(BoardApiTest, ClientsAreCreatedReadUpdatedAndListed) {
  auto api = make_api();
  Account account = api->account(credentials());
  auto created = account.create_client({.name = "株式会社テスト商事",
                                        .name_disp = "テスト商事",
                                        .zip = "150-0001",
                                        .pref = "東京都",
                                        .address1 = "渋谷区神宮前1-1-1",
                                        .tel = "03-1234-5678",
                                        .note = "memo"});
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_GT(created->id, 0);
  EXPECT_EQ(created->name_disp, "テスト商事");
  EXPECT_EQ(created->pref.value_or(""), "東京都");
  EXPECT_FALSE(created->fax);
  EXPECT_FALSE(created->created_at.empty());

  auto read = account.get_client(created->id);
  ASSERT_TRUE(read);
  EXPECT_EQ(read->tel.value_or(""), "03-1234-5678");

  auto updated = account.update_client(created->id, {.tel = "03-9999-0000", .note = ""});
  ASSERT_TRUE(updated) << updated.error().message;
  EXPECT_EQ(updated->tel.value_or(""), "03-9999-0000");
  EXPECT_FALSE(updated->note);  // "" clears
  EXPECT_EQ(updated->name, "株式会社テスト商事");

  create_client(account, "別会社");
  auto found = account.list_all_clients({.name_cont = "テスト商事"});
  ASSERT_TRUE(found);
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].id, created->id);
}

TEST_F(BoardApiTest, ProjectsAreCreatedReadUpdatedAndFilteredByStatusAndManagementNo) {
  auto api = make_api();
  Account account = api->account(credentials());
  const int64_t client_id = create_client(account, "顧客P");

  auto created = account.create_project(new_project(client_id, "HS-1001"));
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_EQ(created->management_no.value_or(""), "HS-1001");
  EXPECT_EQ(created->client_id, client_id);
  EXPECT_EQ(created->user_id, owner_id_);
  EXPECT_EQ(created->order_status(), domain::OrderStatus::estimate_high);
  EXPECT_EQ(created->invoice_timing_kbn, 1);
  EXPECT_EQ(created->invoice_dates, std::vector<std::string>{"2024-06-30"});
  auto second = account.create_project(new_project(client_id, "HS-1002"));
  ASSERT_TRUE(second);

  sim().control("POST", "/_sim/projects/" + std::to_string(created->id) + "/total",
                R"({"total":90000})");
  auto read = account.get_project(created->id);
  ASSERT_TRUE(read);
  EXPECT_EQ(read->total, "90000.0");  // kept as board's string
  EXPECT_EQ(read->tax, "9000.0");

  auto renamed = account.update_project(created->id, {.name = "改名"});
  ASSERT_TRUE(renamed) << renamed.error().message;
  EXPECT_EQ(renamed->name, "改名");

  auto ordered = account.update_order_status(created->id, domain::OrderStatus::ordered);
  ASSERT_TRUE(ordered) << ordered.error().message;
  EXPECT_EQ(ordered->order_status(), domain::OrderStatus::ordered);
  EXPECT_EQ(ordered->order_status_name, "受注済");

  auto by_no = account.list_all_projects({.management_no_eq = "HS-1001"});
  ASSERT_TRUE(by_no);
  ASSERT_EQ(by_no->size(), 1u);
  EXPECT_EQ((*by_no)[0].id, created->id);

  // Two statuses in one comma-joined parameter: both projects.
  auto either = account.list_all_projects(
      {.order_status_in = {domain::OrderStatus::ordered, domain::OrderStatus::estimate_high}});
  ASSERT_TRUE(either);
  EXPECT_EQ(either->size(), 2u);
  auto only_ordered = account.list_all_projects(
      {.client_id_eq = client_id, .order_status_in = {domain::OrderStatus::ordered}});
  ASSERT_TRUE(only_ordered);
  ASSERT_EQ(only_ordered->size(), 1u);

  // 失注 is hidden unless asked for.
  ASSERT_TRUE(account.update_order_status(second->id, domain::OrderStatus::lost));
  auto visible = account.list_all_projects();
  ASSERT_TRUE(visible);
  EXPECT_EQ(visible->size(), 1u);
  auto with_lost = account.list_all_projects({.include_lost = true});
  ASSERT_TRUE(with_lost);
  EXPECT_EQ(with_lost->size(), 2u);

  // updated_at filters take time points, sent as JST text.
  auto future = account.list_all_projects(
      {.updated_at_gteq = std::chrono::system_clock::now() + 24h, .include_lost = true});
  ASSERT_TRUE(future) << future.error().message;
  EXPECT_TRUE(future->empty());
  auto past = account.list_all_projects(
      {.updated_at_gteq = std::chrono::system_clock::now() - 24h, .include_lost = true});
  ASSERT_TRUE(past) << past.error().message;
  EXPECT_EQ(past->size(), 2u);
}

TEST_F(BoardApiTest, InvoicesAreListedWithTheirStatuses) {
  auto api = make_api();
  Account account = api->account(credentials());
  const int64_t client_id = create_client(account, "顧客I");
  auto project = account.create_project(new_project(client_id, "HS-2001"));
  ASSERT_TRUE(project);

  auto invoices = account.list_all_invoices({.project_project_no_eq = project->project_no});
  ASSERT_TRUE(invoices) << invoices.error().message;
  ASSERT_EQ(invoices->size(), 1u);  // the scheduled 一括 invoice
  const Invoice& invoice = (*invoices)[0];
  EXPECT_EQ(invoice.project_id, project->id);
  EXPECT_EQ(invoice.invoice_date.value_or(""), "2024-06-30");
  EXPECT_EQ(invoice.invoice_status(), domain::InvoiceStatus::unbilled);

  sim().control("POST", "/_sim/invoices/" + std::to_string(invoice.id) + "/status",
                R"({"invoice_status":3})");
  auto paid = account.list_all_invoices(
      {.invoice_status_in = {domain::InvoiceStatus::paid, domain::InvoiceStatus::billed}});
  ASSERT_TRUE(paid);
  ASSERT_EQ(paid->size(), 1u);
  EXPECT_EQ((*paid)[0].invoice_status(), domain::InvoiceStatus::paid);
  EXPECT_TRUE((*paid)[0].paid_date);
  auto unbilled =
      account.list_all_invoices({.invoice_status_in = {domain::InvoiceStatus::unbilled}});
  ASSERT_TRUE(unbilled);
  EXPECT_TRUE(unbilled->empty());
}

TEST_F(BoardApiTest, PagingFollowsPagesAndUsesTheTotalCountWhenGiven) {
  auto api = make_api();
  Account account = api->account(credentials());
  for (int i = 0; i < 7; ++i) {
    sim().control("POST", "/_sim/accounts/" + key_ + "/clients",
                  R"({"name":"顧客)" + std::to_string(i) + R"(","name_disp":"c"})");
  }
  std::vector<int64_t> ids;
  std::function<Result<Page<Client>>(PageRequest)> fetch = [&](PageRequest r) {
    return account.list_clients({}, r);
  };
  auto visited = for_each_page<Client>(
      fetch,
      [&](Page<Client>& page) {
        for (auto& c : page.items) ids.push_back(c.id);
        return true;
      },
      3);
  ASSERT_TRUE(visited) << visited.error().message;
  EXPECT_EQ(*visited, 7u);
  EXPECT_EQ(std::set<int64_t>(ids.begin(), ids.end()).size(), 7u);
  EXPECT_EQ(sim().calls(key_, "GET /v1/clients"), 3);  // 3 + 3 + 1

  // With 7 per page the only page is full: X-Total-Count says it is the last,
  // saving the call for an empty page.
  auto exact = for_each_page<Client>(
      fetch, [](Page<Client>&) { return true; }, 7);
  ASSERT_TRUE(exact);
  EXPECT_EQ(sim().calls(key_, "GET /v1/clients"), 4);

  auto all = account.list_all_clients();
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 7u);
}

TEST_F(BoardApiTest, StatusCodesMapToTypedErrors) {
  sim().control("POST", "/_sim/accounts/" + key_ + "/tokens",
                R"({"token":")" + key_ + R"(-readonly","operations":["clients.list"]})");
  auto api = make_api();

  auto wrong = api->account({key_, "not-a-token"}).list_clients();
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().kind, Error::unauthorized);
  EXPECT_EQ(wrong.error().status, 401);
  EXPECT_EQ(wrong.error().attempts, 1);

  Account readonly = api->account({key_, key_ + "-readonly"});
  auto denied = readonly.create_client({.name = "A", .name_disp = "A"});
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().kind, Error::forbidden);
  EXPECT_EQ(denied.error().status, 403);
  EXPECT_NE(denied.error().message.find("clients.create"), std::string::npos)
      << denied.error().message;
  EXPECT_FALSE(denied.error().retryable());

  Account account = api->account(credentials());
  auto missing = account.get_client(999999999);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, Error::not_found);
  EXPECT_EQ(missing.error().status, 404);
}

TEST_F(BoardApiTest, PermanentValidationErrorIsNotRetried) {
  auto api = make_api();
  Account account = api->account(credentials());
  auto invalid = account.create_client({.name = "A", .name_disp = "A", .zip = "1500001"});
  ASSERT_FALSE(invalid);
  EXPECT_EQ(invalid.error().kind, Error::validation);
  EXPECT_EQ(invalid.error().status, 422);
  EXPECT_NE(invalid.error().message.find("zip"), std::string::npos) << invalid.error().message;
  EXPECT_EQ(invalid.error().attempts, 1);
  EXPECT_EQ(sim().calls(key_, "POST /v1/clients"), 1);  // the simulator saw exactly one
  EXPECT_NE(metrics::serialize().find(
                R"(hbsync_board_requests_total{code="422",operation="clients.create"})"),
            std::string::npos);

  // A body board must refuse is refused here, without spending a call.
  NewProject no_date = new_project(1, "HS-3001");
  no_date.invoice_date.clear();
  auto refused = account.create_project(no_date);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, Error::validation);
  EXPECT_EQ(refused.error().attempts, 0);
  EXPECT_EQ(sim().calls(key_, "POST /v1/projects"), 0);
}

TEST_F(BoardApiTest, ServerErrorStormIsRetriedUntilItPasses) {
  auto api = make_api();
  Account account = api->account(credentials());
  sim().control("POST", "/_sim/faults", R"({"count":3,"route":"POST /v1/clients","status":500})");
  auto created = account.create_client({.name = "嵐の後", .name_disp = "嵐"});
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_EQ(sim().calls(key_, "POST /v1/clients", "500"), 3);
  EXPECT_EQ(sim().calls(key_, "POST /v1/clients", "201"), 1);
  auto all = sim().control("GET", "/_sim/accounts/" + key_ + "/clients");
  EXPECT_EQ(all.Size(), 1u);  // created once

  // A storm longer than the policy: the last error comes back, retryable.
  sim().control("POST", "/_sim/faults", R"({"count":50,"route":"GET /v1/users","status":503})");
  auto gave_up = account.list_users();
  ASSERT_FALSE(gave_up);
  EXPECT_EQ(gave_up.error().kind, Error::server);
  EXPECT_EQ(gave_up.error().status, 503);
  EXPECT_EQ(gave_up.error().attempts, fast_retries().max_attempts);
  EXPECT_TRUE(gave_up.error().retryable());
}

TEST_F(BoardApiTest, RateLimitStormHonoursRetryAfterAndBlocksOtherReplicas) {
  auto api = make_api();
  auto other_replica = make_api();
  Account account = api->account(credentials());
  sim().control("POST", "/_sim/faults",
                R"({"count":2,"route":"GET /v1/users","status":429,"retry_after":1})");
  const auto start = Clock::now();
  auto users = account.list_users();
  const auto waited = Clock::now() - start;
  ASSERT_TRUE(users) << users.error().message;
  EXPECT_GE(waited, 2s);  // two 429s, each with Retry-After: 1
  EXPECT_LT(waited, 6s);
  EXPECT_EQ(sim().calls(key_, "GET /v1/users", "429"), 2);
  EXPECT_EQ(sim().calls(key_, "GET /v1/users", "200"), 1);

  // One replica's 429 holds every replica back for the Retry-After.
  sim().control("POST", "/_sim/faults",
                R"({"count":1,"route":"GET /v1/clients","status":429,"retry_after":2})");
  std::atomic<bool> first_done{false};
  std::thread first([&] {
    EXPECT_TRUE(account.list_clients());
    first_done = true;
  });
  // The block of this 429 (Retry-After 2 s): its remaining time is over 1 s,
  // which the block left by the users 429s above (1 s) never has, so the
  // other replica's call below cannot slip through as that older block ends.
  const std::string block = api->limiter().block_key(Api::limiter_key(key_));
  int64_t remaining_ms = 0;
  ASSERT_TRUE(testing::wait_until(
      [&] {
        remaining_ms = redis_->command({"PTTL", block}).integer;
        return remaining_ms > 1000;
      },
      5s));
  const auto blocked_from = Clock::now();
  auto other = other_replica->account(credentials()).list_invoices();
  const auto other_waited = Clock::now() - blocked_from;
  first.join();
  ASSERT_TRUE(other) << other.error().message;
  // It waited out (nearly all of) the rest of the block: at least 1 s.
  EXPECT_GE(other_waited, std::chrono::milliseconds(remaining_ms) - 100ms);
  EXPECT_GE(other_waited, 900ms);
}

TEST_F(BoardApiTest, NeverMoreThanThreeRequestsInAnySecondAcrossThreadsAndReplicas) {
  // Our limiter at board's 3 per second; the simulator would admit 100,000,
  // so the proof that no second saw more than 3 comes from our side.
  Options options = fast_options();
  options.rate_per_second = 3;
  options.rate_margin = Options{}.rate_margin;
  http::Client http_b;
  redis::Client redis_b(redis::Options{.url = redis_server_->url()});
  options.base_url = sim().base_url();
  Api replica_a(options, http_, *redis_);
  Api replica_b(options, http_b, redis_b);

  std::atomic<int> ok{0}, failed{0};
  const auto stop_at = Clock::now() + 3s;
  std::vector<std::thread> threads;
  for (Api* api : {&replica_a, &replica_b}) {
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, api] {
        Account account = api->account(credentials());
        while (Clock::now() < stop_at) {
          (account.list_users() ? ok : failed)++;
        }
      });
    }
  }
  for (auto& t : threads) t.join();
  const int64_t peak = sim().max_in_window(key_);
  std::cout << "requests in ~3 s: " << ok.load() << " ok, " << failed.load()
            << " failed; simulator max_in_window: " << peak << "\n";
  EXPECT_EQ(failed.load(), 0);
  EXPECT_LE(peak, 3);
  EXPECT_GE(ok.load(), 6);  // and the limiter still lets the budget through
  EXPECT_EQ(sim().calls(key_), replica_a.calls().total + replica_b.calls().total);
}

TEST_F(BoardApiTest, ExhaustedDailyBudgetFailsWithoutCallingBoard) {
  Options options = fast_options();
  options.rate_per_day = 4;
  auto api = make_api(options);
  Account account = api->account(credentials());
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(account.list_users()) << i;

  const auto start = Clock::now();
  auto spent = account.list_clients();
  EXPECT_LT(Clock::now() - start, 1s);
  ASSERT_FALSE(spent);
  EXPECT_EQ(spent.error().kind, Error::daily_budget_exhausted);
  EXPECT_EQ(spent.error().attempts, 0);
  ASSERT_TRUE(spent.error().retry_after);
  EXPECT_GT(*spent.error().retry_after, 23h);
  EXPECT_EQ(sim().calls(key_), 4);
  EXPECT_EQ(api->calls().total, 4u);

  const auto usage = api->usage(credentials());
  EXPECT_EQ(usage.windows[1].used, 4);
  EXPECT_EQ(usage.windows[1].remaining, 0);
}

TEST_F(BoardApiTest, BoardsOwnDailyLimitIsReportedAndSharedThroughTheLimiter) {
  // board's count may run out before ours (the key may serve other
  // integrations too): here board allows 3 a day, our limiter 3,000.
  Sim strict(
      {{"HBSYNC_SIM_BOARD_RATE_PER_SECOND", "100000"}, {"HBSYNC_SIM_BOARD_RATE_PER_DAY", "3"}});
  strict.control("POST", "/_sim/accounts",
                 R"({"api_key":")" + key_ + R"(","tokens":[{"token":")" + token_ + R"("}]})");
  auto api = make_api(fast_options(), &strict);
  auto other_replica = make_api(fast_options(), &strict);
  Account account = api->account(credentials());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(account.list_users()) << i;

  auto refused = account.list_users();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, Error::daily_budget_exhausted);
  EXPECT_EQ(refused.error().status, 429);
  EXPECT_EQ(refused.error().message, "Limit Exceeded");
  EXPECT_EQ(refused.error().attempts, 1);  // a day's wait is past any retry budget
  ASSERT_TRUE(refused.error().retry_after);
  EXPECT_GT(*refused.error().retry_after, 23h);

  // Every replica now knows, without asking board again.
  auto next = other_replica->account(credentials()).list_clients();
  ASSERT_FALSE(next);
  EXPECT_EQ(next.error().kind, Error::daily_budget_exhausted);
  EXPECT_EQ(next.error().attempts, 0);
  EXPECT_EQ(strict.calls(key_), 4);
}

TEST_F(BoardApiTest, CreateWhoseAnswerIsLostIsNotSentAgain) {
  Options options = fast_options();
  options.timeout = 300ms;
  auto api = make_api(options);
  Account account = api->account(credentials());
  sim().control("POST", "/_sim/faults", R"({"count":1,"route":"POST /v1/clients","hang_ms":1500})");
  auto lost = account.create_client({.name = "タイムアウト", .name_disp = "T"});
  ASSERT_FALSE(lost);
  EXPECT_EQ(lost.error().kind, Error::network);
  EXPECT_TRUE(lost.error().maybe_applied);
  EXPECT_EQ(lost.error().attempts, 1);

  // A read is retried after a timeout.
  sim().control("POST", "/_sim/faults", R"({"count":1,"route":"GET /v1/users","hang_ms":1500})");
  auto users = account.list_users();
  ASSERT_TRUE(users) << users.error().message;
  EXPECT_EQ(api->calls().by_operation["users.list"], 2u);
}

TEST_F(BoardApiTest, UnreachableBoardIsANetworkError) {
  Options options = fast_options();
  options.retry.max_attempts = 3;
  auto api = make_api(options);
  Options closed = api->options();
  closed.base_url = "http://127.0.0.1:" + std::to_string(testing::free_port());
  Api nowhere(closed, http_, *redis_);
  auto result = nowhere.account(credentials()).create_client({.name = "A", .name_disp = "A"});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, Error::network);
  EXPECT_EQ(result.error().attempts, 3);  // not connected: safe to resend even a create
  EXPECT_FALSE(result.error().maybe_applied);
}

TEST_F(BoardApiTest, CredentialCheckWithAFullToken) {
  auto api = make_api();
  const CredentialCheck check = api->account(credentials()).check_credentials();
  EXPECT_EQ(check.verdict, CredentialCheck::Verdict::ok) << check.message();
  ASSERT_EQ(check.operations.size(), 11u);
  for (const auto& op : check.operations) {
    EXPECT_EQ(op.state, OperationCheck::State::allowed) << operation_id(op.operation);
  }
  EXPECT_TRUE(check.missing().empty());
  // Probes change nothing.
  EXPECT_EQ(sim().control("GET", "/_sim/accounts/" + key_ + "/clients").Size(), 0u);
  EXPECT_EQ(sim().control("GET", "/_sim/accounts/" + key_ + "/projects").Size(), 0u);
}

TEST_F(BoardApiTest, CredentialCheckNamesTheMissingOperations) {
  sim().control("POST", "/_sim/accounts/" + key_ + "/tokens",
                R"({"token":")" + key_ +
                    R"(-partial","operations":["clients.update","clients.get","clients.list",
                    "projects.create","projects.update","projects.get","projects.list",
                    "invoices.list","users.list"]})");
  auto api = make_api();
  const CredentialCheck check = api->account({key_, key_ + "-partial"}).check_credentials();
  EXPECT_EQ(check.verdict, CredentialCheck::Verdict::missing_operations);
  EXPECT_EQ(check.missing(),
            (std::vector<Operation>{Operation::clients_create, Operation::projects_order_status}));
  const std::string message = check.message();
  EXPECT_NE(message.find("顧客 登録"), std::string::npos) << message;
  EXPECT_NE(message.find("案件 受注ステータス更新"), std::string::npos) << message;
  EXPECT_EQ(message.find("顧客 更新"), std::string::npos) << message;
}

TEST_F(BoardApiTest, CredentialCheckWithAWrongTokenStopsAtTheFirstCall) {
  auto api = make_api();
  const CredentialCheck check = api->account({key_, "wrong"}).check_credentials();
  EXPECT_EQ(check.verdict, CredentialCheck::Verdict::invalid_credentials);
  EXPECT_NE(check.message().find("正しくありません"), std::string::npos);
  EXPECT_EQ(sim().calls(key_), 1);

  const CredentialCheck unknown_key = api->account({"no-such-key", token_}).check_credentials();
  EXPECT_EQ(unknown_key.verdict, CredentialCheck::Verdict::invalid_credentials);
}

}  // namespace
}  // namespace hbsync::board
