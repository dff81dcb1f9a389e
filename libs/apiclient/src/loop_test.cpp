// The shared request loop against a local HTTP server (libs/http) answering a
// script, with a fake clock and sleeper driving the retry policy, and a real
// redis-server behind the rate limiter.
#include "hbsync/apiclient/loop.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <mutex>

#include "hbsync/apiclient/request.hpp"
#include "hbsync/http/server.hpp"
#include "hbsync/metrics/metrics.hpp"
#include "hbsync/redis/redis.hpp"
#include "hbsync/testing/metrics.hpp"
#include "hbsync/testing/redis_server.hpp"

namespace hbsync::apiclient {
namespace {

using std::chrono::milliseconds;

// Answers each request with the next scripted response (the last one repeats)
// and records the requests.
class ScriptedApi {
 public:
  ScriptedApi() : server_(http::ServerOptions{}, router()) { server_.start(); }
  ~ScriptedApi() { server_.shutdown(milliseconds(1000)); }

  void answer(std::vector<http::Response> script) {
    std::lock_guard lock(mutex_);
    script_.assign(script.begin(), script.end());
  }
  std::vector<http::Request> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(server_.port()) + path;
  }

 private:
  http::Router router() {
    http::Router r;
    for (const char* method : {"GET", "POST"}) {
      r.add_sync(method, "/x", [this](http::Request& request) {
        std::lock_guard lock(mutex_);
        requests_.push_back(request);
        http::Response next = script_.front();
        if (script_.size() > 1) script_.pop_front();
        return next;
      });
    }
    return r;
  }

  std::mutex mutex_;
  std::deque<http::Response> script_{http::Response::json(200, "{}")};
  std::vector<http::Request> requests_;
  http::Server server_;
};

http::Response with_retry_after(int status, const std::string& seconds) {
  http::Response r = http::Response::json(status, R"({"message":"slow down"})");
  r.headers.set("Retry-After", seconds);
  return r;
}

class LoopTest : public ::testing::Test {
 protected:
  Loop loop(Profile profile = {}) {
    if (profile.api.empty()) profile.api = "looptest";
    if (profile.display.empty()) profile.display = "Test";
    return Loop(
        std::move(profile), client_, policy_,
        [this](milliseconds d) {
          sleeps_.push_back(d);
          now_ += d;
        },
        [this] { return now_; });
  }
  Call call(std::string method = "GET") {
    Call c{.operation = "things.get", .sent = &sent_};
    c.request.method = std::move(method);
    c.request.url = api_.url("/x");
    return c;
  }

  ScriptedApi api_;
  http::Client client_;
  retry::Policy policy_{.max_attempts = 3,
                        .initial_delay = milliseconds(10),
                        .max_delay = milliseconds(20),
                        .max_elapsed = milliseconds(60000)};
  std::chrono::steady_clock::time_point now_{};
  std::vector<milliseconds> sleeps_;
  std::atomic<uint64_t> sent_{0};
};

TEST_F(LoopTest, RetryAfterOfA429IsWaitedThenTheAnswerReturned) {
  api_.answer({with_retry_after(429, "7"), http::Response::json(200, R"({"id":1})")});
  Answer answer = loop().run(call());
  ASSERT_TRUE(answer.ok()) << to_string(answer.error().kind);
  EXPECT_EQ(answer->body, R"({"id":1})");
  ASSERT_EQ(sleeps_.size(), 1u);
  EXPECT_EQ(sleeps_[0], milliseconds(7000));  // above max_delay: Retry-After wins
  EXPECT_EQ(sent_.load(), 2u);
}

TEST_F(LoopTest, ServerErrorsAreRetriedUntilThePolicyGivesUp) {
  api_.answer({http::Response::json(500, R"({"message":"boom"})")});
  Answer answer = loop().run(call());
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.error().kind, Class::server);
  EXPECT_EQ(answer.error().status, 500);
  EXPECT_EQ(answer.error().body, R"({"message":"boom"})");
  EXPECT_EQ(answer.error().attempts, 3);
  EXPECT_EQ(api_.requests().size(), 3u);
  for (milliseconds d : sleeps_) EXPECT_LE(d, milliseconds(20));  // full jitter under the cap
}

TEST_F(LoopTest, ACreateIsNotResentAfterA504) {
  api_.answer({http::Response::json(504, "{}")});
  Call c = call("POST");
  c.creates = true;
  Answer answer = loop().run(c);
  ASSERT_FALSE(answer.ok());
  EXPECT_TRUE(answer.error().maybe_applied);
  EXPECT_EQ(answer.error().attempts, 1);
}

TEST_F(LoopTest, ClientErrorsAreFinalAndClassified) {
  api_.answer({http::Response::json(404, "{}")});
  Answer answer = loop().run(call());
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.error().kind, Class::not_found);
  EXPECT_EQ(answer.error().attempts, 1);
  EXPECT_EQ(class_of_status(422), Class::rejected);
  EXPECT_EQ(class_of_status(409), Class::conflict);
  EXPECT_EQ(class_of_status(503), Class::server);
}

TEST_F(LoopTest, A401IsRetriedOnceWithRefreshedCredentials) {
  api_.answer({http::Response::json(401, "{}"), http::Response::json(200, "{}")});
  std::string token = "old";
  int refreshes = 0;
  Call c = call();
  c.authorize = [&](http::ClientRequest& r) { r.headers.set("Authorization", "Bearer " + token); };
  c.refresh = [&] {
    ++refreshes;
    token = "new";
    return true;
  };
  ASSERT_TRUE(loop().run(c).ok());
  EXPECT_EQ(refreshes, 1);
  const auto requests = api_.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].headers.get("Authorization").value_or(""), "Bearer old");
  EXPECT_EQ(requests[1].headers.get("Authorization").value_or(""), "Bearer new");
  ASSERT_EQ(sleeps_.size(), 1u);
  EXPECT_LE(sleeps_[0], policy_.initial_delay);  // no Retry-After: only the policy's jitter
}

TEST_F(LoopTest, ASecond401IsFinal) {
  api_.answer({http::Response::json(401, "{}")});
  int refreshes = 0;
  Call c = call();
  c.refresh = [&] { return ++refreshes, true; };
  Answer answer = loop().run(c);
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.error().kind, Class::unauthorized);
  EXPECT_EQ(refreshes, 1);
  EXPECT_EQ(answer.error().attempts, 2);
}

TEST_F(LoopTest, A423IsRetriedOnlyWhenTheProfileSaysSo) {
  api_.answer({http::Response::json(423, "{}"), http::Response::json(200, "{}")});
  Answer final_423 = loop().run(call());
  ASSERT_FALSE(final_423.ok());
  EXPECT_EQ(final_423.error().kind, Class::locked);

  api_.answer({http::Response::json(423, "{}"), http::Response::json(200, "{}")});
  ASSERT_TRUE(loop({.locked_wait = milliseconds(2000)}).run(call()).ok());
  EXPECT_EQ(sleeps_, std::vector<milliseconds>{milliseconds(2000)});
}

TEST_F(LoopTest, ARetryAfterAsLongAsTheBudgetWaitIsTheBudget) {
  api_.answer({with_retry_after(429, "3600")});
  Answer answer = loop({.budget_wait = std::chrono::hours(1)}).run(call());
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.error().kind, Class::budget_exhausted);
  EXPECT_EQ(answer.error().retry_after, milliseconds(3600000));
  EXPECT_EQ(answer.error().attempts, 1);  // waiting would pass max_elapsed
}

TEST_F(LoopTest, TransportErrorsOnACreateAreRetriedOnlyWhenNothingWasSent) {
  Call c = call("POST");
  c.creates = true;
  c.request.url = "http://127.0.0.1:1/x";  // refused: never sent
  Answer answer = loop().run(c);
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.error().kind, Class::network);
  EXPECT_EQ(answer.error().message, "Test unreachable: connect");
  EXPECT_FALSE(answer.error().maybe_applied);
  EXPECT_EQ(answer.error().attempts, 3);
}

TEST_F(LoopTest, TheStatusLabelIsAClosedSet) {
  api_.answer({http::Response::json(418, "{}")});
  Call c = call();
  c.operation = "teapot";
  (void)loop().run(c);
  const std::string text = metrics::serialize();
  EXPECT_NE(text.find(R"(hbsync_looptest_requests_total{code="4xx",operation="teapot"} 1)"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find(R"(code="418")"), std::string::npos);
}

TEST_F(LoopTest, EachRequestIsCountedUnderItsTenantByOutcome) {
  // Two 429s, a 503 and a 200 for one call of tenant 1001; a 404 for 1002;
  // a request without an answer for 1003; none counted without a tenant.
  const auto counted = [](const std::string& tenant, const std::string& outcome) {
    return testing::sample_or_zero(metrics::serialize(),
                                   R"(hbsync_looptest_tenant_requests_total{outcome=")" + outcome +
                                       R"(",tenant=")" + tenant + R"("})");
  };
  api_.answer({with_retry_after(429, "1"), with_retry_after(429, "1"),
               http::Response::json(503, "{}"), http::Response::json(200, "{}")});
  policy_.max_attempts = 5;
  Call c = call();
  c.tenant = "1001";
  ASSERT_TRUE(loop().run(c).ok());
  EXPECT_EQ(counted("1001", "429"), 2.0);
  EXPECT_EQ(counted("1001", "5xx"), 1.0);
  EXPECT_EQ(counted("1001", "2xx"), 1.0);
  EXPECT_EQ(counted("1001", "4xx"), 0.0);  // a 429 is not counted as 4xx

  api_.answer({http::Response::json(404, "{}")});
  c.tenant = "1002";
  (void)loop().run(c);
  EXPECT_EQ(counted("1002", "4xx"), 1.0);

  c.tenant = "1003";
  c.request.url = "http://127.0.0.1:1/x";  // refused: no answer
  (void)loop().run(c);
  EXPECT_EQ(counted("1003", "error"), 5.0);  // every attempt

  c.tenant.clear();
  c.request.url = api_.url("/x");
  (void)loop().run(c);
  EXPECT_EQ(metrics::serialize().find(R"(tenant="")"), std::string::npos);
}

TEST(OutcomeLabelTest, ClassesAreAClosedSet) {
  EXPECT_EQ(outcome_label(200), "2xx");
  EXPECT_EQ(outcome_label(207), "2xx");
  EXPECT_EQ(outcome_label(429), "429");
  EXPECT_EQ(outcome_label(400), "4xx");
  EXPECT_EQ(outcome_label(423), "4xx");
  EXPECT_EQ(outcome_label(500), "5xx");
  EXPECT_EQ(outcome_label(504), "5xx");
  EXPECT_EQ(outcome_label(0), "error");
  EXPECT_EQ(outcome_label(302), "other");
  EXPECT_EQ(outcome_label(700), "other");
}

TEST_F(LoopTest, ARedisFailureInTheLimiterIsReportedWithItsText) {
  testing::RedisServer redis_server;
  redis::Options options;
  options.url = redis_server.url();
  options.connect_timeout = milliseconds(200);
  options.command_timeout = milliseconds(500);
  redis::Client redis(options);
  ratelimit::Limiter limiter(redis, "looptest", {{.limit = 5, .length = milliseconds(1000)}});
  Call c = call();
  c.limiter = &limiter;
  c.limit_key = "tenant";
  ASSERT_TRUE(loop().run(c).ok());  // a slot, then the answer

  redis_server.stop();
  Answer answer = loop().run(c);
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.error().kind, Class::network);
  EXPECT_FALSE(answer.error().redis_error.empty());
  EXPECT_EQ(answer.error().message, "rate limiter unavailable: " + answer.error().redis_error);
  EXPECT_EQ(answer.error().attempts, 0);  // the API was not called
  EXPECT_EQ(api_.requests().size(), 1u);
}

TEST_F(LoopTest, A429PenalizesTheLimiterTheProfileNames) {
  testing::RedisServer redis_server;
  redis::Options options;
  options.url = redis_server.url();
  redis::Client redis(options);
  ratelimit::Limiter own(redis, "looptest_own", {{.limit = 5, .length = milliseconds(1000)}});
  ratelimit::Limiter other(redis, "looptest_other", {{.limit = 5, .length = milliseconds(1000)}});
  api_.answer({with_retry_after(429, "60"), http::Response::json(200, "{}")});
  Call c = call();
  c.limiter = &own;
  c.limit_key = "tenant";
  Profile profile{
      .penalized = [&](const Call&, const http::ClientResponse&) -> ratelimit::Limiter& {
        return other;
      }};
  (void)loop(std::move(profile)).run(c);
  EXPECT_EQ(redis.command({"EXISTS", other.block_key("tenant")}).integer, 1);
  EXPECT_EQ(redis.command({"EXISTS", own.block_key("tenant")}).integer, 0);
}

}  // namespace
}  // namespace hbsync::apiclient
