#include "hbsync/domain/dates.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace hbsync::domain {
namespace {

using namespace std::chrono;

// An instant given as UTC wall time.
system_clock::time_point utc(int y, unsigned m, unsigned d, int hh = 0, int mm = 0, int ss = 0) {
  return sys_days(year(y) / month(m) / day(d)) + hours(hh) + minutes(mm) + seconds(ss);
}

int64_t ms(system_clock::time_point t) {
  return duration_cast<milliseconds>(t.time_since_epoch()).count();
}

TEST(DateTest, ParseAndFormat) {
  EXPECT_EQ(parse_date("2026-11-30"), year(2026) / 11 / 30);
  EXPECT_EQ(parse_date("2028-02-29"), year(2028) / 2 / 29);
  for (std::string_view bad : {"2026-02-29", "2026-13-01", "2026-11-31", "2026-1-01",
                               "2026-11-30T00:00:00Z", "", "20261130"}) {
    EXPECT_FALSE(parse_date(bad)) << bad;
  }
  EXPECT_EQ(format_date(year(2026) / 1 / 5), "2026-01-05");
  EXPECT_EQ(format_date(year(987) / 12 / 31), "0987-12-31");
}

TEST(MonthEndTest, LeapYears) {
  struct Case {
    year_month_day in, want;
  };
  const std::vector<Case> cases = {
      {year(2026) / 1 / 15, year(2026) / 1 / 31},   {year(2026) / 2 / 1, year(2026) / 2 / 28},
      {year(2028) / 2 / 10, year(2028) / 2 / 29},   {year(2100) / 2 / 10, year(2100) / 2 / 28},
      {year(2000) / 2 / 10, year(2000) / 2 / 29},   {year(2026) / 4 / 30, year(2026) / 4 / 30},
      {year(2026) / 12 / 31, year(2026) / 12 / 31},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(month_end(c.in), c.want) << format_date(c.in);
  }
}

// SPEC F3.5: closedate converted to the JST calendar date.
TEST(CloseDateTest, ToJstCalendarDate) {
  struct Case {
    std::string in;
    std::optional<std::string> want;
  };
  const std::vector<Case> cases = {
      {"2026-11-30T15:00:00Z", "2026-12-01"},      // JST midnight = 15:00Z the day before
      {"2026-11-30T14:59:59.999Z", "2026-11-30"},  // one ms before JST midnight
      {"2026-11-30T15:00:00.000Z", "2026-12-01"},
      {"2026-11-30T00:00:00Z", "2026-11-30"},
      {"2026-12-31T15:00:00Z", "2027-01-01"},  // year rolls over
      {"2028-02-28T15:00:00Z", "2028-02-29"},  // leap day
      {"2026-11-30T10:00:00+09:00", "2026-11-30"},
      {"2026-11-30T23:30:00-05:00", "2026-12-01"},
      {"1796050800000", "2026-12-01"},  // epoch ms of 2026-11-30T15:00:00Z
      {"1796050799999", "2026-11-30"},
      {"2026-11-30", "2026-11-30"},  // a plain date is taken as it is
      {" 2026-11-30T15:00:00Z ", "2026-12-01"},
      {"", std::nullopt},
      {"   ", std::nullopt},
      {"soon", std::nullopt},
      {"2026-11-31T00:00:00Z", std::nullopt},
      {"2026/11/30", std::nullopt},
  };
  for (const auto& c : cases) {
    const auto date = closedate_jst_date(c.in);
    EXPECT_EQ(date ? std::optional(format_date(*date)) : std::nullopt, c.want) << c.in;
  }
}

// SPEC F3.5: invoice_date from closedate, else the end of the current month (JST).
TEST(InvoiceDateTest, CloseDateElseEndOfCurrentMonthJst) {
  const auto now = utc(2026, 11, 10, 3, 0);  // 2026-11-10 12:00 JST
  struct Case {
    std::string name;
    std::optional<std::string_view> closedate;
    system_clock::time_point now;
    std::string want;
    InvoiceDateSource source;
    bool unreadable;
  };
  const std::vector<Case> cases = {
      {"closedate_iso", "2026-11-30T15:00:00Z", now, "2026-12-01", InvoiceDateSource::closedate,
       false},
      {"closedate_ms", "1796050800000", now, "2026-12-01", InvoiceDateSource::closedate, false},
      {"closedate_date", "2027-01-15", now, "2027-01-15", InvoiceDateSource::closedate, false},
      {"no_closedate", std::nullopt, now, "2026-11-30", InvoiceDateSource::current_month_end,
       false},
      {"empty_closedate", "", now, "2026-11-30", InvoiceDateSource::current_month_end, false},
      {"unreadable_closedate", "next week", now, "2026-11-30", InvoiceDateSource::current_month_end,
       true},
      // 2026-01-31 16:00 UTC is already 2026-02-01 in JST: February's end.
      {"jst_month_already_next", std::nullopt, utc(2026, 1, 31, 16, 0), "2026-02-28",
       InvoiceDateSource::current_month_end, false},
      {"jst_month_still_this", std::nullopt, utc(2026, 1, 31, 14, 59), "2026-01-31",
       InvoiceDateSource::current_month_end, false},
      {"leap_february", std::nullopt, utc(2028, 2, 3), "2028-02-29",
       InvoiceDateSource::current_month_end, false},
      {"december", std::nullopt, utc(2026, 12, 31, 14, 0), "2026-12-31",
       InvoiceDateSource::current_month_end, false},
  };
  for (const auto& c : cases) {
    const auto d = invoice_date(c.closedate, c.now);
    EXPECT_EQ(d.text, c.want) << c.name;
    EXPECT_EQ(format_date(d.date), c.want) << c.name;
    EXPECT_EQ(d.source, c.source) << c.name;
    EXPECT_EQ(d.closedate_unreadable, c.unreadable) << c.name;
  }
}

TEST(InvoiceDateTest, OtherRules) {
  const auto now = utc(2026, 11, 10);
  auto d = invoice_date("2027-02-03T01:00:00Z", now, InvoiceDateRule::closedate_month_end);
  EXPECT_EQ(d.text, "2027-02-28");
  EXPECT_EQ(d.source, InvoiceDateSource::closedate_month_end);
  d = invoice_date(std::nullopt, now, InvoiceDateRule::closedate_month_end);
  EXPECT_EQ(d.text, "2026-11-30");
  EXPECT_EQ(d.source, InvoiceDateSource::current_month_end);
  d = invoice_date("2027-02-03", now, InvoiceDateRule::current_month_end);
  EXPECT_EQ(d.text, "2026-11-30");
  EXPECT_EQ(d.source, InvoiceDateSource::current_month_end);
  EXPECT_FALSE(d.closedate_unreadable);
}

TEST(InvoiceDateTest, RuleIds) {
  for (auto rule : {InvoiceDateRule::closedate_or_month_end, InvoiceDateRule::closedate_month_end,
                    InvoiceDateRule::current_month_end}) {
    EXPECT_EQ(parse_invoice_date_rule(to_string(rule)), rule);
  }
  EXPECT_FALSE(parse_invoice_date_rule("closedate"));
  EXPECT_EQ(to_string(InvoiceDateSource::closedate), "closedate");
}

// board timestamps: ISO with offset, and "YYYY-MM-DD HH:MM:SS" in JST.
TEST(BoardTimestampTest, ParseToEpochMs) {
  const int64_t ten_jst = ms(utc(2026, 11, 25, 1, 0));  // 2026-11-25 10:00 JST
  struct Case {
    std::string in;
    std::optional<int64_t> want;
  };
  const std::vector<Case> cases = {
      {"2026-11-25T10:00:00+09:00", ten_jst},
      {"2026-11-25 10:00:00", ten_jst},  // JST without zone
      {"2026-11-25T10:00:00", ten_jst},
      {"2026-11-25T10:00:00.250+09:00", ten_jst + 250},
      {"2026-11-25T10:00:00.123456+09:00", ten_jst + 123},  // truncated to ms
      {"2026-11-25T01:00:00Z", ten_jst},
      {"2026-11-25T01:00:00.000Z", ten_jst},
      {"2026-11-25 10:00:00 +0900", ten_jst},  // Rails' to_s
      {"2026-11-25T10:00:00+0900", ten_jst},
      {"2026-11-25T10:00+09:00", ten_jst},
      {"2026-11-25T05:30:00+04:30", ten_jst},
      {"2026-11-24T20:00:00-05:00", ten_jst},
      {"2026-11-25", ms(utc(2026, 11, 24, 15, 0))},  // JST midnight
      {"2026-11-25T24:00:00+09:00", std::nullopt},
      {"2026-11-25T10:60:00+09:00", std::nullopt},
      {"2026-11-25T10:00:00+09:0", std::nullopt},
      {"2026-11-25T10:00:00 garbage", std::nullopt},
      {"2026-11-25X10:00:00", std::nullopt},
      {"2026-02-30 10:00:00", std::nullopt},
      {"", std::nullopt},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(parse_board_timestamp_ms(c.in), c.want) << c.in;
  }
}

// Parsers see HubSpot and board input: random near-miss strings must be
// rejected or parsed, never crash or overflow.
TEST(TimestampParseTest, RandomInputNeverCrashes) {
  const std::string alphabet = "0123456789-:T Z+.,z";
  std::mt19937 rng(777);
  std::uniform_int_distribution<size_t> pick(0, alphabet.size() - 1);
  std::uniform_int_distribution<int> length(0, 32);
  for (int i = 0; i < 20000; ++i) {
    std::string in = "2026-11-25";
    if (i % 2) in.clear();
    for (int n = length(rng); n > 0; --n) in += alphabet[pick(rng)];
    (void)parse_board_timestamp_ms(in);
    (void)parse_hubspot_timestamp_ms(in);
    (void)closedate_jst_date(in);
  }
  SUCCEED();
}

TEST(HubSpotTimestampTest, IsoOrEpochMs) {
  const int64_t t = ms(utc(2026, 11, 30, 15, 0));
  EXPECT_EQ(parse_hubspot_timestamp_ms("2026-11-30T15:00:00Z"), t);
  EXPECT_EQ(parse_hubspot_timestamp_ms("2026-11-30T15:00:00.000Z"), t);
  EXPECT_EQ(parse_hubspot_timestamp_ms("2026-11-30T15:00:00"), t);  // bare: UTC
  EXPECT_EQ(parse_hubspot_timestamp_ms("1796050800000"), t);
  EXPECT_EQ(parse_hubspot_timestamp_ms("0"), 0);
  EXPECT_FALSE(parse_hubspot_timestamp_ms("1796050800000000000"));  // too many digits
  EXPECT_FALSE(parse_hubspot_timestamp_ms("-1"));
}

TEST(JstTimestampTest, FormatForUpdatedAtFilter) {
  struct Case {
    system_clock::time_point t;
    std::string want;
  };
  const std::vector<Case> cases = {
      {utc(2026, 11, 25, 1, 0, 0), "2026-11-25 10:00:00"},
      {utc(2026, 11, 30, 15, 0, 0), "2026-12-01 00:00:00"},
      {utc(2026, 12, 31, 14, 59, 59), "2026-12-31 23:59:59"},
      {utc(2026, 12, 31, 15, 0, 0) + milliseconds(999), "2027-01-01 00:00:00"},
      {utc(1970, 1, 1), "1970-01-01 09:00:00"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(format_jst_timestamp(c.t), c.want);
    EXPECT_EQ(format_jst_timestamp(ms(c.t)), c.want);
  }
}

TEST(JstTimestampTest, FormatParsesBack) {
  const int64_t t = ms(utc(2026, 6, 15, 12, 34, 56));
  EXPECT_EQ(parse_board_timestamp_ms(format_jst_timestamp(t)), t);
}

TEST(JstDateTest, DateChangesAtFifteenUtc) {
  EXPECT_EQ(jst_date(utc(2026, 3, 31, 14, 59, 59)), year(2026) / 3 / 31);
  EXPECT_EQ(jst_date(utc(2026, 3, 31, 15, 0, 0)), year(2026) / 4 / 1);
}

}  // namespace
}  // namespace hbsync::domain
