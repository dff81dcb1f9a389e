// The board client against hbsync-sim-board when board says no: typed errors,
// retries, the shared rate limiter and daily budget, lost creates, an
// unreachable board, and the F1.1 credentials check.
#include "api_test_support.hpp"

namespace hbsync::board {
namespace {

TEST_F(BoardApiTest, StatusCodesMapToTypedErrors) {
  sim().control("POST", "/_sim/accounts/" + key_ + "/tokens",
                R"({"token":")" + key_ + R"(-readonly","operations":["clients.list"]})");
  auto api = make_api();

  auto wrong = api->account(tenant_, {key_, "not-a-token"}).list_clients();
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().kind, Error::unauthorized);
  EXPECT_EQ(wrong.error().status, 401);
  EXPECT_EQ(wrong.error().attempts, 1);

  Account readonly = api->account(tenant_, {key_, key_ + "-readonly"});
  auto denied = readonly.create_client({.name = "A", .name_disp = "A"});
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().kind, Error::forbidden);
  EXPECT_EQ(denied.error().status, 403);
  EXPECT_NE(denied.error().message.find("clients.create"), std::string::npos)
      << denied.error().message;
  EXPECT_FALSE(denied.error().retryable());

  Account account = api->account(tenant_, credentials());
  auto missing = account.get_client(999999999);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, Error::not_found);
  EXPECT_EQ(missing.error().status, 404);
}

TEST_F(BoardApiTest, PermanentValidationErrorIsNotRetried) {
  auto api = make_api();
  Account account = api->account(tenant_, credentials());
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
  Account account = api->account(tenant_, credentials());
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
  Account account = api->account(tenant_, credentials());
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
  // Counted under the account's tenant as what board answered.
  const auto counted = [&](const std::string& outcome) {
    return testing::sample_or_zero(metrics::serialize(),
                                   R"(hbsync_board_tenant_requests_total{outcome=")" + outcome +
                                       R"(",tenant=")" + tenant_ + R"("})");
  };
  EXPECT_EQ(counted("429"), 2.0);
  EXPECT_EQ(counted("2xx"), 1.0);
  EXPECT_EQ(counted("4xx"), 0.0);

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
  auto other = other_replica->account(tenant_, credentials()).list_invoices();
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
        Account account = api->account(tenant_, credentials());
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
  Account account = api->account(tenant_, credentials());
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
  Account account = api->account(tenant_, credentials());
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
  auto next = other_replica->account(tenant_, credentials()).list_clients();
  ASSERT_FALSE(next);
  EXPECT_EQ(next.error().kind, Error::daily_budget_exhausted);
  EXPECT_EQ(next.error().attempts, 0);
  EXPECT_EQ(strict.calls(key_), 4);
}

TEST_F(BoardApiTest, CreateWhoseAnswerIsLostIsNotSentAgain) {
  Options options = fast_options();
  options.timeout = 300ms;
  auto api = make_api(options);
  Account account = api->account(tenant_, credentials());
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
  auto result =
      nowhere.account(tenant_, credentials()).create_client({.name = "A", .name_disp = "A"});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, Error::network);
  EXPECT_EQ(result.error().attempts, 3);  // not connected: safe to resend even a create
  EXPECT_FALSE(result.error().maybe_applied);
}

TEST_F(BoardApiTest, CredentialCheckWithAFullToken) {
  auto api = make_api();
  const CredentialCheck check = api->account(tenant_, credentials()).check_credentials();
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
  const CredentialCheck check =
      api->account(tenant_, {key_, key_ + "-partial"}).check_credentials();
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
  const CredentialCheck check = api->account(tenant_, {key_, "wrong"}).check_credentials();
  EXPECT_EQ(check.verdict, CredentialCheck::Verdict::invalid_credentials);
  EXPECT_NE(check.message().find("正しくありません"), std::string::npos);
  EXPECT_EQ(sim().calls(key_), 1);

  const CredentialCheck unknown_key =
      api->account(tenant_, {"no-such-key", token_}).check_credentials();
  EXPECT_EQ(unknown_key.verdict, CredentialCheck::Verdict::invalid_credentials);
}

}  // namespace
}  // namespace hbsync::board
