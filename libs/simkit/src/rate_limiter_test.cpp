#include "hbsync/simkit/rate_limiter.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace hbsync::simkit {
namespace {

using std::chrono::milliseconds;
using Clock = SlidingWindowLimiter::Clock;

TEST(SlidingWindowLimiter, AdmitsUpToTheLimitThenRefusesWithRetryAfter) {
  SlidingWindowLimiter limiter(3, std::chrono::seconds(1));
  Clock::time_point t0{};
  EXPECT_EQ(limiter.check("k", t0).remaining, 2);
  EXPECT_EQ(limiter.check("k", t0 + milliseconds(100)).remaining, 1);
  EXPECT_EQ(limiter.check("k", t0 + milliseconds(200)).remaining, 0);
  auto refused = limiter.check("k", t0 + milliseconds(300));
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.limit, 3);
  EXPECT_EQ(refused.retry_after, milliseconds(700));
  EXPECT_EQ(refused.retry_after_seconds(), 1);
}

TEST(SlidingWindowLimiter, WindowEdgeIsExclusive) {
  SlidingWindowLimiter limiter(1, std::chrono::seconds(1));
  Clock::time_point t0{};
  ASSERT_TRUE(limiter.check("k", t0).allowed);
  EXPECT_FALSE(limiter.check("k", t0 + milliseconds(999)).allowed);
  // Exactly one window later the first request no longer counts.
  EXPECT_TRUE(limiter.check("k", t0 + milliseconds(1000)).allowed);
}

TEST(SlidingWindowLimiter, RefusedRequestsDoNotConsumeSlots) {
  SlidingWindowLimiter limiter(2, std::chrono::seconds(1));
  Clock::time_point t0{};
  limiter.check("k", t0);
  limiter.check("k", t0 + milliseconds(500));
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(limiter.check("k", t0 + milliseconds(900)).allowed);
  EXPECT_TRUE(limiter.check("k", t0 + milliseconds(1000)).allowed);
  EXPECT_FALSE(limiter.check("k", t0 + milliseconds(1400)).allowed);
  EXPECT_TRUE(limiter.check("k", t0 + milliseconds(1500)).allowed);
}

TEST(SlidingWindowLimiter, KeysAreIndependent) {
  SlidingWindowLimiter limiter(1, std::chrono::seconds(10));
  Clock::time_point t0{};
  EXPECT_TRUE(limiter.check("a", t0).allowed);
  EXPECT_TRUE(limiter.check("b", t0).allowed);
  EXPECT_FALSE(limiter.check("a", t0).allowed);
}

TEST(SlidingWindowLimiter, PeekDoesNotRecord) {
  SlidingWindowLimiter limiter(1, std::chrono::seconds(1));
  Clock::time_point t0{};
  EXPECT_TRUE(limiter.peek("k", t0).allowed);
  EXPECT_TRUE(limiter.peek("k", t0).allowed);
  EXPECT_TRUE(limiter.check("k", t0).allowed);
  EXPECT_FALSE(limiter.peek("k", t0).allowed);
}

TEST(SlidingWindowLimiter, DailyBudgetRetryAfterPointsAtTheOldestRequest) {
  SlidingWindowLimiter limiter(3000, std::chrono::hours(24));
  Clock::time_point t0{};
  for (int i = 0; i < 3000; ++i) ASSERT_TRUE(limiter.check("k", t0 + milliseconds(i)).allowed);
  auto refused = limiter.check("k", t0 + std::chrono::hours(1));
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after_seconds(), 23 * 3600);
}

TEST(SlidingWindowLimiter, ResetForgetsEverything) {
  SlidingWindowLimiter limiter(1, std::chrono::seconds(1));
  Clock::time_point t0{};
  limiter.check("k", t0);
  limiter.reset();
  EXPECT_TRUE(limiter.check("k", t0).allowed);
}

TEST(SlidingWindowLimiter, RejectsNonsenseLimits) {
  EXPECT_THROW(SlidingWindowLimiter(0, std::chrono::seconds(1)), std::invalid_argument);
  EXPECT_THROW(SlidingWindowLimiter(1, milliseconds(0)), std::invalid_argument);
}

}  // namespace
}  // namespace hbsync::simkit
