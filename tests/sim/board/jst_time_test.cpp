#include "jst_time.hpp"

#include <gtest/gtest.h>

namespace hbsync::simboard {
namespace {

// 2024-04-30T15:00:00Z is 2024-05-01 00:00:00 in Japan.
constexpr Seconds kMayFirstJst = 1714489200;

TEST(JstTime, FormatsTimestampsInJapanTime) {
  EXPECT_EQ(format_timestamp(kMayFirstJst), "2024-05-01T00:00:00+09:00");
  EXPECT_EQ(format_timestamp(kMayFirstJst - 1), "2024-04-30T23:59:59+09:00");
  EXPECT_EQ(format_date(jst_date(kMayFirstJst)), "2024-05-01");
  EXPECT_EQ(format_date(jst_date(kMayFirstJst - 1)), "2024-04-30");
}

TEST(JstTime, FilterTimesAreJapanTimeUnlessTheySayOtherwise) {
  EXPECT_EQ(parse_filter_time("2024-05-01 00:00:00"), kMayFirstJst);
  EXPECT_EQ(parse_filter_time("2024-05-01"), kMayFirstJst);
  EXPECT_EQ(parse_filter_time("2024-05-01T00:00:00+09:00"), kMayFirstJst);
  EXPECT_EQ(parse_filter_time("2024-04-30T15:00:00Z"), kMayFirstJst);
  EXPECT_EQ(parse_filter_time("2024-04-30T10:00:00-05:00"), kMayFirstJst);
  EXPECT_FALSE(parse_filter_time("2024-05-01 24:00:00"));
  EXPECT_FALSE(parse_filter_time("2024-02-30 00:00:00"));
  EXPECT_FALSE(parse_filter_time("2024/05/01 00:00:00"));
  EXPECT_FALSE(parse_filter_time("yesterday"));
  EXPECT_FALSE(parse_filter_time("2024-05-01 00:00:00+09:00"));
}

TEST(JstTime, DatesAreStrict) {
  EXPECT_TRUE(parse_date("2024-02-29"));
  EXPECT_FALSE(parse_date("2023-02-29"));
  EXPECT_FALSE(parse_date("2024-5-1"));
  EXPECT_FALSE(parse_date("2024-05-01 "));
}

TEST(JstTime, MonthArithmetic) {
  EXPECT_EQ(format_date(add_months(*parse_date("2024-01-31"), 1)), "2024-02-29");
  EXPECT_EQ(format_date(add_months(*parse_date("2024-01-15"), 12)), "2025-01-15");
  EXPECT_EQ(format_date(end_of_next_month(*parse_date("2024-01-31"))), "2024-02-29");
  EXPECT_EQ(format_date(end_of_next_month(*parse_date("2024-12-10"))), "2025-01-31");
}

TEST(JstTime, SimClockMovesForward) {
  SimClock clock;
  Seconds before = clock.now();
  clock.advance(3600);
  EXPECT_GE(clock.now(), before + 3600);
  clock.set(kMayFirstJst);
  EXPECT_LE(clock.now() - kMayFirstJst, 1);
  clock.reset();
  EXPECT_LE(clock.now() - before, 5);
}

}  // namespace
}  // namespace hbsync::simboard
