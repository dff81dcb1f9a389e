#include "hbsync/domain/schedule.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "hbsync/domain/dates.hpp"

namespace hbsync::domain {
namespace {

using namespace std::chrono;

system_clock::time_point utc(int y, unsigned m, unsigned d, int hh = 0, int mm = 0, int ss = 0) {
  return sys_days(year(y) / month(m) / day(d)) + hours(hh) + minutes(mm) + seconds(ss);
}

TEST(TimeZoneTest, FixedOffsetsOnly) {
  struct Case {
    std::string in;
    std::optional<minutes> want;
  };
  const std::vector<Case> cases = {
      {"Asia/Tokyo", minutes(540)},
      {"Japan", minutes(540)},
      {"UTC", minutes(0)},
      {"Etc/UTC", minutes(0)},
      {"GMT", minutes(0)},
      {"+09:00", minutes(540)},
      {"-05:30", minutes(-330)},
      {"+00:00", minutes(0)},
      {"+14:00", minutes(840)},
      {"+14:30", std::nullopt},
      {"+9:00", std::nullopt},
      {"+0900", std::nullopt},
      {"Europe/Berlin", std::nullopt},  // DST zones not supported yet
      {"America/New_York", std::nullopt},
      {"asia/tokyo", std::nullopt},
      {"", std::nullopt},
  };
  for (const auto& c : cases) {
    const auto z = parse_time_zone(c.in);
    EXPECT_EQ(z ? std::optional(z->offset) : std::nullopt, c.want) << c.in;
    if (z) {
      EXPECT_EQ(z->name, c.in);
    }
  }
}

TEST(TimeOfDayTest, Parse) {
  struct Case {
    std::string in;
    std::optional<minutes> want;
  };
  const std::vector<Case> cases = {
      {"03:00", minutes(180)},  {"3:00", minutes(180)},     {"00:00", minutes(0)},
      {"23:59", minutes(1439)}, {" 12:30 ", minutes(750)},  {"24:00", std::nullopt},
      {"12:60", std::nullopt},  {"1200", std::nullopt},     {"12:0", std::nullopt},
      {"", std::nullopt},       {"03:00:00", std::nullopt}, {"ab:cd", std::nullopt},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(parse_time_of_day(c.in), c.want) << c.in;
  }
}

// SPEC F4.1: every day at 03:00 Asia/Tokyo by default.
TEST(NextDailyRunTest, DefaultThreeAmTokyo) {
  const DailySchedule s;  // 03:00 Asia/Tokyo = 18:00 UTC the day before
  struct Case {
    std::string name;
    system_clock::time_point now, want;
  };
  const std::vector<Case> cases = {
      {"before_run_same_jst_day", utc(2026, 11, 24, 17, 0), utc(2026, 11, 24, 18, 0)},
      {"exactly_at_run_goes_next_day", utc(2026, 11, 24, 18, 0), utc(2026, 11, 25, 18, 0)},
      {"just_after_run", utc(2026, 11, 24, 18, 0, 1), utc(2026, 11, 25, 18, 0)},
      {"jst_afternoon", utc(2026, 11, 25, 6, 0), utc(2026, 11, 25, 18, 0)},
      {"utc_midnight", utc(2026, 11, 25, 0, 0), utc(2026, 11, 25, 18, 0)},
      {"year_end", utc(2026, 12, 31, 18, 30), utc(2027, 1, 1, 18, 0)},
      {"leap_day", utc(2028, 2, 28, 19, 0), utc(2028, 2, 29, 18, 0)},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(next_daily_run(s, c.now), c.want) << c.name;
  }
}

TEST(NextDailyRunTest, OtherZonesAndTimes) {
  const auto utc_noon = *parse_daily_schedule("12:00", "UTC");
  EXPECT_EQ(next_daily_run(utc_noon, utc(2026, 5, 1, 11, 59)), utc(2026, 5, 1, 12, 0));
  EXPECT_EQ(next_daily_run(utc_noon, utc(2026, 5, 1, 12, 1)), utc(2026, 5, 2, 12, 0));

  const auto ny = *parse_daily_schedule("23:30", "-05:00");  // 04:30 UTC next day
  EXPECT_EQ(next_daily_run(ny, utc(2026, 5, 1, 4, 0)), utc(2026, 5, 1, 4, 30));
  EXPECT_EQ(next_daily_run(ny, utc(2026, 5, 1, 5, 0)), utc(2026, 5, 2, 4, 30));

  const auto midnight_tokyo = *parse_daily_schedule("00:00", "+09:00");
  EXPECT_EQ(next_daily_run(midnight_tokyo, utc(2026, 5, 1, 15, 0)), utc(2026, 5, 2, 15, 0));
  EXPECT_EQ(next_daily_run(midnight_tokyo, utc(2026, 5, 1, 14, 0)), utc(2026, 5, 1, 15, 0));
}

TEST(NextDailyRunTest, SubSecondNowStillStrictlyAfter) {
  const DailySchedule s;
  const auto now = utc(2026, 11, 24, 17, 59, 59) + nanoseconds(999'999'999);
  EXPECT_EQ(next_daily_run(s, now), utc(2026, 11, 24, 18, 0));
  EXPECT_GT(next_daily_run(s, now), now);
}

TEST(NextDailyRunTest, RunsAreOneDayApartAndAtThreeJst) {
  const DailySchedule s;
  auto t = utc(2026, 1, 1);
  for (int i = 0; i < 400; ++i) {
    const auto next = next_daily_run(s, t);
    EXPECT_GT(next, t);
    EXPECT_LE(next - t, hours(24));
    EXPECT_EQ(format_jst_timestamp(next).substr(11), "03:00:00");
    t = next;
  }
}

TEST(DailyScheduleValidationTest, ReportsBothParts) {
  EXPECT_TRUE(validate_daily_schedule("03:00", "Asia/Tokyo").empty());
  const auto errors = validate_daily_schedule("25:00", "Europe/Berlin");
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].field, "schedule.time");
  EXPECT_EQ(errors[0].code, "invalid_time");
  EXPECT_EQ(errors[1].field, "schedule.time_zone");
  EXPECT_EQ(errors[1].code, "unsupported_time_zone");
  EXPECT_NE(errors[1].message.find("Europe/Berlin"), std::string::npos);
  EXPECT_FALSE(parse_daily_schedule("03:00", "Europe/Berlin"));
}

// F4.1 interval: the next slot strictly after now, missed slots collapsed.
TEST(NextIntervalRunTest, NextSlotStrictlyAfterNow) {
  using namespace std::chrono;
  const system_clock::time_point due{seconds(1'800'000'000)};
  struct Case {
    const char* name;
    system_clock::duration now_after_due;
    system_clock::duration expected_after_due;
  };
  const Case cases[] = {
      {"not yet due", -minutes(1), minutes(0)},
      {"due exactly now", minutes(0), minutes(15)},
      {"a second late", seconds(1), minutes(15)},
      {"just before the next slot", minutes(15) - milliseconds(1), minutes(15)},
      {"on the next slot", minutes(15), minutes(30)},
      {"a day of slots missed", hours(24) + minutes(7), hours(24) + minutes(15)},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(next_interval_run(due, minutes(15), due + c.now_after_due) - due,
              c.expected_after_due)
        << c.name;
  }
}

}  // namespace
}  // namespace hbsync::domain
