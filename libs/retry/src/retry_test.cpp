#include "hbsync/retry/retry.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <vector>

namespace hbsync::retry {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// A steady clock the test moves by hand.
struct FakeClock {
  std::chrono::steady_clock::time_point now{};
  Clock fn() {
    return [this] { return now; };
  }
};

Policy generous(milliseconds initial, milliseconds max_delay, double multiplier = 2.0) {
  Policy p;
  p.max_attempts = 1000;
  p.initial_delay = initial;
  p.max_delay = max_delay;
  p.max_elapsed = std::chrono::hours(1000);
  p.multiplier = multiplier;
  return p;
}

milliseconds expected_cap(const Policy& p, int failure) {
  double grown = static_cast<double>(p.initial_delay.count());
  for (int i = 1; i < failure; ++i) grown *= p.multiplier;
  return milliseconds(static_cast<int64_t>(std::min(grown, double(p.max_delay.count()))));
}

TEST(BackoffTest, DelaysStayUnderTheCapAndGrowInExpectation) {
  struct Case {
    milliseconds initial, max_delay;
    double multiplier;
  };
  const std::vector<Case> cases = {
      {milliseconds(200), milliseconds(30000), 2.0},
      {milliseconds(100), milliseconds(1000), 3.0},
      {milliseconds(50), milliseconds(50), 2.0},  // flat: cap reached at once
  };
  constexpr int failures = 12;
  constexpr int seeds = 400;
  for (const auto& c : cases) {
    SCOPED_TRACE(testing::Message() << c.initial.count() << "ms x" << c.multiplier);
    FakeClock clock;
    const Policy p = generous(c.initial, c.max_delay, c.multiplier);
    std::vector<double> sum(failures + 1, 0.0);
    for (uint64_t seed = 0; seed < seeds; ++seed) {
      Backoff b(p, clock.fn(), seed);
      for (int n = 1; n <= failures; ++n) {
        const auto d = b.next();
        ASSERT_TRUE(d);
        ASSERT_GE(*d, milliseconds::zero());
        ASSERT_LE(*d, expected_cap(p, n)) << "failure " << n;
        ASSERT_LE(*d, c.max_delay);
        sum[n] += static_cast<double>(d->count());
      }
    }
    for (int n = 1; n <= failures; ++n) {
      // Full jitter: the mean sits at half the cap (400 samples put 7.5% of
      // the cap at about five standard errors).
      const double mean = sum[n] / seeds, cap = static_cast<double>(expected_cap(p, n).count());
      EXPECT_NEAR(mean, cap / 2, cap * 0.075) << "failure " << n;
      if (n > 1 && expected_cap(p, n) >= expected_cap(p, n - 1) * 3 / 2) {
        EXPECT_GT(mean, sum[n - 1] / seeds) << "failure " << n;
      }
    }
  }
}

TEST(BackoffTest, FullJitterCoversZeroToCap) {
  FakeClock clock;
  const Policy p = generous(milliseconds(1000), milliseconds(1000));
  constexpr int seeds = 5000;
  std::vector<int> buckets(10, 0);
  double sum = 0;
  for (uint64_t seed = 0; seed < seeds; ++seed) {
    const auto d = Backoff(p, clock.fn(), seed).next();
    ASSERT_TRUE(d);
    ASSERT_LE(d->count(), 1000);
    buckets[std::min<int64_t>(9, d->count() / 100)]++;
    sum += static_cast<double>(d->count());
  }
  // Uniform: each tenth of the range holds ~500; 350 is far outside chance.
  for (int i = 0; i < 10; ++i) EXPECT_GT(buckets[i], 350) << "bucket " << i;
  EXPECT_NEAR(sum / seeds, 500.0, 25.0);
}

TEST(BackoffTest, MaxAttemptsIsExact) {
  for (int max_attempts : {1, 2, 3, 8, 20}) {
    FakeClock clock;
    Policy p = generous(milliseconds(10), milliseconds(100));
    p.max_attempts = max_attempts;
    Backoff b(p, clock.fn(), 1);
    int retries = 0;
    while (b.next()) ++retries;
    EXPECT_EQ(retries, max_attempts - 1) << "max_attempts " << max_attempts;
    EXPECT_EQ(b.attempts(), max_attempts);
    b.reset();
    EXPECT_EQ(b.attempts(), 0);
    EXPECT_EQ(b.next().has_value(), max_attempts > 1);
  }
}

TEST(BackoffTest, MaxElapsedIsHonouredWithAFakeClock) {
  FakeClock clock;
  Policy p = generous(milliseconds(1000), milliseconds(4000));
  p.max_elapsed = seconds(20);
  Backoff b(p, clock.fn(), 7);
  int retries = 0;
  while (auto d = b.next()) {
    clock.now += *d;
    ++retries;
    ASSERT_LE(clock.now - std::chrono::steady_clock::time_point{}, p.max_elapsed);
    clock.now += milliseconds(500);  // the attempt itself takes time
  }
  EXPECT_GT(retries, 3);
  EXPECT_LT(retries, 1000);

  // A budget already spent gives up at once, and reset() starts a new one.
  clock.now += p.max_elapsed;
  b.reset();
  clock.now += p.max_elapsed + milliseconds(1);
  EXPECT_FALSE(b.next());
  b.reset();
  EXPECT_TRUE(b.next());
}

TEST(BackoffTest, RetryAfterRaisesTheDelayAndCanCauseGiveUp) {
  FakeClock clock;
  Policy p = generous(milliseconds(100), milliseconds(1000));
  p.max_elapsed = seconds(60);
  struct Case {
    milliseconds retry_after;
    std::optional<milliseconds> at_least;  // nullopt: give up
  };
  const std::vector<Case> cases = {
      {milliseconds(0), milliseconds(0)}, {milliseconds(500), milliseconds(500)},
      {seconds(10), seconds(10)},  // above max_delay, still honoured
      {seconds(60), seconds(60)},  // exactly the budget left
      {seconds(61), std::nullopt},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(testing::Message() << "retry_after " << c.retry_after.count() << "ms");
    Backoff b(p, clock.fn(), 3);
    const auto d = b.next(c.retry_after);
    ASSERT_EQ(d.has_value(), c.at_least.has_value());
    if (d) {
      EXPECT_GE(*d, *c.at_least);
      EXPECT_LE(*d, std::max(*c.at_least, p.initial_delay));
    }
  }

  // Later in the budget, a Retry-After that fitted at the start no longer does.
  Backoff b(p, clock.fn(), 3);
  clock.now += seconds(55);
  EXPECT_FALSE(b.next(seconds(10)));
}

TEST(ParseRetryAfterTest, Values) {
  // Sun, 06 Nov 1994 08:49:37 GMT = 784111777 s after the epoch.
  const auto now = std::chrono::system_clock::time_point(seconds(784111777 - 90));
  struct Case {
    std::string value;
    std::optional<milliseconds> expected;
  };
  const std::vector<Case> cases = {
      {"120", seconds(120)},
      {"0", milliseconds(0)},
      {"-3", milliseconds(0)},
      {" 7 ", seconds(7)},
      {"abc", std::nullopt},
      {"", std::nullopt},
      {"12s", std::nullopt},
      {"1.5", std::nullopt},
      {"-", std::nullopt},
      {"99999999999999999999", seconds(1'000'000'000)},
      {"Sun, 06 Nov 1994 08:49:37 GMT", seconds(90)},
      {"Sun, 06 Nov 1994 08:47:00 GMT", milliseconds(0)},  // in the past
      {"Sun, 06 Nov 1994 08:49:37 UTC", std::nullopt},
      {"Sun, 31 Feb 1994 08:49:37 GMT", std::nullopt},
      {"Sunday, 06-Nov-94 08:49:37 GMT", std::nullopt},
      {"Sun, 06 Foo 1994 08:49:37 GMT", std::nullopt},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(parse_retry_after(c.value, now), c.expected) << "'" << c.value << "'";
  }
}

TEST(PolicyTest, LoadReadsPrefixedVariablesAndKeepsDefaults) {
  const std::map<std::string, std::string> env = {{"HBSYNC_HUBSPOT_RETRY_MAX_ATTEMPTS", "3"},
                                                  {"HBSYNC_HUBSPOT_RETRY_MAX_DELAY", "5s"}};
  config::Loader loader("hbsync-test", "test", 0, nullptr,
                        [&](const std::string& name) -> std::optional<std::string> {
                          auto it = env.find(name);
                          if (it == env.end()) return std::nullopt;
                          return it->second;
                        });
  Policy defaults;
  defaults.initial_delay = milliseconds(50);
  const Policy p = Policy::load(loader, "HBSYNC_HUBSPOT_RETRY", defaults);
  EXPECT_TRUE(loader.errors().empty());
  EXPECT_EQ(p.max_attempts, 3);
  EXPECT_EQ(p.initial_delay, milliseconds(50));
  EXPECT_EQ(p.max_delay, seconds(5));
  EXPECT_EQ(p.max_elapsed, milliseconds(300000));
  EXPECT_EQ(loader.variables().size(), 4u);
}

TEST(RunTest, StopsOnSuccessPermanentOrGiveUp) {
  Policy p = generous(milliseconds(10), milliseconds(10));
  p.max_attempts = 5;
  struct Case {
    std::string name;
    std::vector<Outcome::Kind> script;  // outcome per attempt; last one repeats
    Outcome::Kind last;
    int attempts;
  };
  const std::vector<Case> cases = {
      {"first try", {Outcome::success}, Outcome::success, 1},
      {"third try",
       {Outcome::retryable, Outcome::retryable, Outcome::success},
       Outcome::success,
       3},
      {"permanent", {Outcome::retryable, Outcome::permanent}, Outcome::permanent, 2},
      {"exhausted", {Outcome::retryable}, Outcome::retryable, 5},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::vector<milliseconds> slept;
    int calls = 0;
    const RunResult r = run(
        p,
        [&](int attempt) {
          EXPECT_EQ(attempt, ++calls);
          const auto kind = c.script[std::min<size_t>(attempt - 1, c.script.size() - 1)];
          return Outcome{kind, std::nullopt, "scripted"};
        },
        [&](milliseconds d) { slept.push_back(d); });
    EXPECT_EQ(r.last.kind, c.last);
    EXPECT_EQ(r.attempts, c.attempts);
    EXPECT_EQ(calls, c.attempts);
    EXPECT_EQ(slept.size(), static_cast<size_t>(c.attempts - 1));
  }
}

TEST(RunTest, PassesRetryAfterToTheSleeper) {
  std::vector<milliseconds> slept;
  const RunResult r = run(
      Policy{},
      [](int attempt) { return attempt == 1 ? Outcome::retry("429", seconds(45)) : Outcome::ok(); },
      [&](milliseconds d) { slept.push_back(d); });
  EXPECT_EQ(r.last.kind, Outcome::success);
  EXPECT_EQ(r.attempts, 2);
  ASSERT_EQ(slept.size(), 1u);
  EXPECT_EQ(slept[0], seconds(45));
}

}  // namespace
}  // namespace hbsync::retry
