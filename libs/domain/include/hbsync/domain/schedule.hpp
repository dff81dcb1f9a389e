// The daily board -> HubSpot run (SPEC F4.1: 03:00 Asia/Tokyo by default,
// time and zone configurable per tenant).
//
// Only fixed-offset zones are supported: "Asia/Tokyo" (and "Japan") = +09:00,
// "UTC" (also "Etc/UTC", "GMT", "Z") and literal offsets "+HH:MM" / "-HH:MM".
// Named zones with daylight saving (e.g. "Europe/Berlin") are rejected rather
// than silently run at the wrong hour; supporting them needs a tz database
// (g++ 12's <chrono> has none).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "hbsync/domain/validation.hpp"

namespace hbsync::domain {

struct FixedOffsetZone {
  std::string name;  // as configured, for messages
  std::chrono::minutes offset{0};

  bool operator==(const FixedOffsetZone&) const = default;
};

// Offsets beyond +-14:00 are rejected (no real zone has them).
std::optional<FixedOffsetZone> parse_time_zone(std::string_view text);

// "HH:MM" (also "H:MM"), 00:00..23:59 -> minutes after midnight.
std::optional<std::chrono::minutes> parse_time_of_day(std::string_view text);

struct DailySchedule {
  std::chrono::minutes time_of_day{3 * 60};
  FixedOffsetZone zone{"Asia/Tokyo", std::chrono::minutes(9 * 60)};

  bool operator==(const DailySchedule&) const = default;
};

// Both parts parsed; nullopt if either is invalid.
std::optional<DailySchedule> parse_daily_schedule(std::string_view time_of_day,
                                                  std::string_view zone);

// Settings check with messages; paths "<field>.time" and "<field>.time_zone".
ValidationErrors validate_daily_schedule(std::string_view time_of_day, std::string_view zone,
                                         std::string_view field = "schedule");

// The first run strictly after `now`: a run that is due exactly now has
// already been taken by whoever asks, so asking again must not yield it twice.
std::chrono::system_clock::time_point next_daily_run(const DailySchedule& schedule,
                                                     std::chrono::system_clock::time_point now);

// The optional interval poll (F4.1): the first of due, due + interval,
// due + 2 * interval, ... strictly after `now`. Runs missed while no poller
// was up collapse into the one that is due now, never one per missed slot.
// `interval` must be positive.
std::chrono::system_clock::time_point next_interval_run(std::chrono::system_clock::time_point due,
                                                        std::chrono::minutes interval,
                                                        std::chrono::system_clock::time_point now);

}  // namespace hbsync::domain
