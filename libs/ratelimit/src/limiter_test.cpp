// Integration tests of the shared limiter against a real redis-server: several
// Limiter objects on their own Redis connections stand for replicas.
#include "hbsync/ratelimit/limiter.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <thread>

#include "hbsync/metrics/metrics.hpp"
#include "hbsync/testing/process.hpp"
#include "hbsync/testing/redis_server.hpp"

namespace hbsync::ratelimit {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

std::unique_ptr<redis::Client> connect(const testing::RedisServer& server) {
  redis::Options options;
  options.url = server.url();
  options.pool_size = 8;
  return std::make_unique<redis::Client>(options);
}

// Server grant times (µs) as the limiter recorded them in its log.
std::vector<int64_t> grant_times(redis::Client& redis, const std::string& log_key) {
  const redis::Reply reply = redis.command({"ZRANGE", log_key, "0", "-1", "WITHSCORES"});
  std::vector<int64_t> times;
  for (size_t i = 1; i < reply.elements.size(); i += 2) {
    times.push_back(std::stoll(reply.elements[i].str));
  }
  std::sort(times.begin(), times.end());
  return times;
}

// The most grants in any interval (t - length, t]: it is enough to look at the
// intervals that end at a grant.
int64_t max_in_any_window(const std::vector<int64_t>& sorted_us, milliseconds length) {
  int64_t best = 0;
  size_t first = 0;
  for (size_t last = 0; last < sorted_us.size(); ++last) {
    while (sorted_us[first] <= sorted_us[last] - length.count() * 1000) ++first;
    best = std::max<int64_t>(best, static_cast<int64_t>(last - first + 1));
  }
  return best;
}

double counter_value(const std::string& family, const std::string& limit) {
  for (const auto& f : metrics::registry().Collect()) {
    if (f.name != family) continue;
    for (const auto& m : f.metric) {
      for (const auto& label : m.label) {
        if (label.name == "limit" && label.value == limit) return m.counter.value;
      }
    }
  }
  return 0;
}

TEST(LimiterTest, NeverMoreThanTheLimitInAnyWindowAcrossReplicasAndThreads) {
  testing::RedisServer server;
  // The hour window never binds; it keeps every grant in the log so the test
  // can read the server's own grant times afterwards.
  const std::vector<Window> windows{{.limit = 3, .length = 1000ms, .name = "second"},
                                    {.limit = 5, .length = 2000ms, .name = "two_seconds"},
                                    {.limit = 100000, .length = 3600s, .name = "hour"}};
  constexpr int kReplicas = 3;
  constexpr int kThreads = 4;
  std::vector<std::unique_ptr<redis::Client>> clients;
  std::vector<std::unique_ptr<Limiter>> limiters;
  for (int i = 0; i < kReplicas; ++i) {
    clients.push_back(connect(server));
    limiters.push_back(std::make_unique<Limiter>(*clients.back(), "test", windows));
  }

  std::atomic<int> granted{0};
  std::atomic<int> denied_wrongly{0};
  const auto stop_at = std::chrono::steady_clock::now() + 4500ms;
  std::vector<std::thread> threads;
  for (int r = 0; r < kReplicas; ++r) {
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, r] {
        while (std::chrono::steady_clock::now() < stop_at) {
          const Decision d = limiters[r]->wait_acquire("tenant-1", 500ms);
          if (d.allowed) {
            ++granted;
          } else if (d.reason != Reason::throttled) {
            ++denied_wrongly;
          }
        }
      });
    }
  }
  for (auto& thread : threads) thread.join();

  const auto times = grant_times(*clients[0], limiters[0]->log_key("tenant-1"));
  ASSERT_EQ(static_cast<int>(times.size()), granted.load());
  EXPECT_EQ(denied_wrongly.load(), 0);
  EXPECT_LE(max_in_any_window(times, 1000ms), 3);
  EXPECT_LE(max_in_any_window(times, 2000ms), 5);
  // The limiter must also not starve: 5 per 2 s over 4.5 s is about 10-13.
  EXPECT_GE(granted.load(), 9) << "grants: " << granted.load();
  std::cout << "grants in 4.5 s with 12 contenders: " << granted.load() << "\n";
}

TEST(LimiterTest, DeniedAcquireSaysWhichWindowAndHowLong) {
  testing::RedisServer server;
  auto redis = connect(server);
  Limiter limiter(*redis, "test",
                  {{.limit = 2, .length = 1000ms, .name = "second"},
                   {.limit = 10, .length = 60s, .name = "minute"}});
  EXPECT_TRUE(limiter.acquire("t").allowed);
  EXPECT_TRUE(limiter.acquire("t").allowed);
  const Decision d = limiter.acquire("t");
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.reason, Reason::throttled);
  EXPECT_EQ(d.window, 0);
  EXPECT_GT(d.wait, 900ms);
  EXPECT_LE(d.wait, 1000ms);
  // A denied try uses no budget.
  const Usage usage = limiter.usage("t");
  ASSERT_EQ(usage.windows.size(), 2u);
  EXPECT_EQ(usage.windows[0].used, 2);
  EXPECT_EQ(usage.windows[0].remaining, 0);
  EXPECT_GT(usage.windows[0].frees_in, 900ms);
  EXPECT_EQ(usage.windows[1].used, 2);
  EXPECT_EQ(usage.windows[1].remaining, 8);
  EXPECT_EQ(usage.blocked_for, 0ms);
  // Keys are separate per tenant.
  EXPECT_TRUE(limiter.acquire("other").allowed);
}

TEST(LimiterTest, PenaltyBlocksEveryReplicaUntilRetryAfter) {
  testing::RedisServer server;
  auto redis_a = connect(server);
  auto redis_b = connect(server);
  const std::vector<Window> windows{{.limit = 100, .length = 1000ms}};
  Limiter a(*redis_a, "test", windows);
  Limiter b(*redis_b, "test", windows);
  const double penalties_before = counter_value("hbsync_ratelimit_penalties_total", "test");

  a.penalize("t", 800ms);
  // A shorter penalty from another replica must not shorten it.
  b.penalize("t", 100ms);
  const Decision d = b.acquire("t");
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.reason, Reason::penalized);
  EXPECT_GT(d.wait, 600ms);
  EXPECT_LE(d.wait, 800ms);
  EXPECT_GT(b.usage("t").blocked_for, 600ms);

  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(b.wait_acquire("t", 5s).allowed);
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, 600ms);
  EXPECT_LT(waited, 2000ms);
  EXPECT_TRUE(a.acquire("t").allowed);
  EXPECT_EQ(counter_value("hbsync_ratelimit_penalties_total", "test") - penalties_before, 2);
}

TEST(LimiterTest, DailyBudgetExhaustionIsReportedAndDoesNotHoldTheCaller) {
  testing::RedisServer server;
  auto redis = connect(server);
  Limiter limiter(*redis, "daily",
                  {{.limit = 3, .length = 1000ms, .name = "second"},
                   {.limit = 5, .length = 24h, .budget = true, .name = "day"}});
  const double exhausted_before = counter_value("hbsync_ratelimit_exhausted_total", "daily");
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(limiter.wait_acquire("t", 3s).allowed) << i;
  EXPECT_EQ(counter_value("hbsync_ratelimit_exhausted_total", "daily") - exhausted_before, 1);

  const auto start = std::chrono::steady_clock::now();
  const Decision d = limiter.wait_acquire("t", 10s);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 500ms);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.reason, Reason::budget_exhausted);
  EXPECT_EQ(d.window, 1);
  EXPECT_GT(d.wait, 24h - 1min);
  EXPECT_LE(d.wait, 24h);
  // Denials do not count as new exhaustions.
  limiter.acquire("t");
  EXPECT_EQ(counter_value("hbsync_ratelimit_exhausted_total", "daily") - exhausted_before, 1);
  const Usage usage = limiter.usage("t");
  EXPECT_EQ(usage.windows[1].used, 5);
  EXPECT_EQ(usage.windows[1].remaining, 0);
  // Each window's limit is exported, for alerts comparing usage with it.
  const std::string text = metrics::serialize();
  EXPECT_NE(text.find(R"(hbsync_ratelimit_window_capacity{limit="daily",window="day"} 5)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(hbsync_ratelimit_window_capacity{limit="daily",window="second"} 3)"),
            std::string::npos);
}

TEST(LimiterTest, KeysExpireAndHoldNoMoreThanTheLongestWindow) {
  testing::RedisServer server;
  auto redis = connect(server);
  Limiter limiter(*redis, "short", {{.limit = 50, .length = 300ms}});
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(limiter.acquire("t").allowed);
  const std::string log = limiter.log_key("t");
  EXPECT_EQ(log, "hbsync:rl:short:t:log");
  const int64_t ttl = redis->command({"PTTL", log}).integer;
  EXPECT_GT(ttl, 0);
  EXPECT_LE(ttl, 1300);

  // Older grants are trimmed by the next grant. The sleep is the scenario:
  // the five grants must be older than the 300 ms window.
  std::this_thread::sleep_for(400ms);
  ASSERT_TRUE(limiter.acquire("t").allowed);
  EXPECT_EQ(redis->command({"ZCARD", log}).integer, 1);

  limiter.penalize("t", 200ms);
  const std::string block = limiter.block_key("t");
  EXPECT_EQ(block, "hbsync:rl:short:t:block");
  const int64_t block_ttl = redis->command({"PTTL", block}).integer;
  EXPECT_GT(block_ttl, 0);
  EXPECT_LE(block_ttl, 201);

  EXPECT_TRUE(testing::wait_until(
      [&] {
        return redis->command({"EXISTS", log, block}).integer == 0;
      },
      3s));
}

TEST(LimiterTest, KeysOutsideTheSafeAlphabetAreRefused) {
  testing::RedisServer server;
  auto redis = connect(server);
  Limiter limiter(*redis, "test", {{.limit = 1, .length = 1000ms}});
  EXPECT_THROW(limiter.acquire("someone@example.com"), std::invalid_argument);
  EXPECT_THROW(limiter.acquire(""), std::invalid_argument);
  EXPECT_THROW(Limiter(*redis, "test", {}), std::invalid_argument);
  EXPECT_THROW(Limiter(*redis, "test", {{.limit = 0, .length = 1000ms}}), std::invalid_argument);
}

TEST(LimiterTest, SurvivesARedisRestartThatForgetsTheScript) {
  testing::RedisServer server;
  auto redis = connect(server);
  Limiter limiter(*redis, "test", {{.limit = 5, .length = 1000ms}});
  EXPECT_TRUE(limiter.acquire("t").allowed);
  server.restart();
  EXPECT_TRUE(limiter.acquire("t").allowed);
}

}  // namespace
}  // namespace hbsync::ratelimit
