// board speaks Japan time: timestamps in responses, dates, and the
// "YYYY-MM-DD HH:MM:SS" values clients send in filters.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hbsync::simboard {

using Seconds = int64_t;  // since the Unix epoch
using Date = std::chrono::sys_days;

// "2024-05-01T12:34:56+09:00"
std::string format_timestamp(Seconds t);
// The JST calendar date of an instant.
Date jst_date(Seconds t);
// "2024-05-01"
std::string format_date(Date date);
// Strict "YYYY-MM-DD" with a real calendar date.
std::optional<Date> parse_date(std::string_view text);
// Filter values: "YYYY-MM-DD HH:MM:SS" (JST, what clients send),
// "YYYY-MM-DD" (midnight JST) or ISO 8601 with an offset
// ("2024-05-01T12:34:56+09:00", "...Z").
std::optional<Seconds> parse_filter_time(std::string_view text);
// Last day of the month after `date` (board's default payment deadline).
Date end_of_next_month(Date date);
// The same day of the month `months` later, clamped to that month's end.
Date add_months(Date date, int months);

// The simulator's wall clock: real time plus an offset tests can move
// forward, so "updated_at moved" needs no sleeping.
class SimClock {
 public:
  Seconds now() const;
  void advance(Seconds seconds) { offset_ += seconds; }
  void set(Seconds now);
  void reset() { offset_ = 0; }

 private:
  std::atomic<Seconds> offset_{0};
};

}  // namespace hbsync::simboard
