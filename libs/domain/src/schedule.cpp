#include "hbsync/domain/schedule.hpp"

#include "hbsync/domain/text.hpp"

namespace hbsync::domain {
namespace {

using std::chrono::minutes;

int digit(char c) {
  return c >= '0' && c <= '9' ? c - '0' : -1;
}

// "HH:MM" with both parts exactly two digits.
std::optional<minutes> parse_hh_mm(std::string_view s, int max_hours) {
  if (s.size() != 5 || s[2] != ':') return std::nullopt;
  const int h1 = digit(s[0]), h2 = digit(s[1]), m1 = digit(s[3]), m2 = digit(s[4]);
  if (h1 < 0 || h2 < 0 || m1 < 0 || m2 < 0) return std::nullopt;
  const int h = h1 * 10 + h2, m = m1 * 10 + m2;
  if (h > max_hours || m > 59) return std::nullopt;
  return minutes(h * 60 + m);
}

}  // namespace

std::optional<FixedOffsetZone> parse_time_zone(std::string_view text) {
  text = trim_spaces(text);
  const std::string name(text);
  if (text == "Asia/Tokyo" || text == "Japan") return FixedOffsetZone{name, minutes(9 * 60)};
  if (text == "UTC" || text == "Etc/UTC" || text == "GMT" || text == "Z") {
    return FixedOffsetZone{name, minutes(0)};
  }
  if (text.size() == 6 && (text[0] == '+' || text[0] == '-')) {
    const auto offset = parse_hh_mm(text.substr(1), 14);
    if (!offset || *offset > minutes(14 * 60)) return std::nullopt;
    return FixedOffsetZone{name, text[0] == '-' ? -*offset : *offset};
  }
  return std::nullopt;
}

std::optional<minutes> parse_time_of_day(std::string_view text) {
  text = trim_spaces(text);
  if (text.size() == 4) return parse_hh_mm("0" + std::string(text), 23);
  return parse_hh_mm(text, 23);
}

std::optional<DailySchedule> parse_daily_schedule(std::string_view time_of_day,
                                                  std::string_view zone) {
  const auto t = parse_time_of_day(time_of_day);
  auto z = parse_time_zone(zone);
  if (!t || !z) return std::nullopt;
  return DailySchedule{*t, std::move(*z)};
}

ValidationErrors validate_daily_schedule(std::string_view time_of_day, std::string_view zone,
                                         std::string_view field) {
  ValidationErrors errors;
  if (!parse_time_of_day(time_of_day)) {
    errors.push_back({std::string(field) + ".time", "invalid_time",
                      "実行時刻「" + sanitize_utf8(time_of_day) +
                          "」は正しくありません。00:00〜23:59 の HH:MM 形式で入力してください。"});
  }
  if (!parse_time_zone(zone)) {
    errors.push_back({std::string(field) + ".time_zone", "unsupported_time_zone",
                      "タイムゾーン「" + sanitize_utf8(zone) +
                          "」には対応していません。Asia/Tokyo、UTC、または +09:00 のような固定の"
                          "時差を指定してください (夏時間のあるタイムゾーンは未対応です)。"});
  }
  return errors;
}

std::chrono::system_clock::time_point next_daily_run(const DailySchedule& schedule,
                                                     std::chrono::system_clock::time_point now) {
  const auto local_now = now + schedule.zone.offset;
  const auto local_midnight = std::chrono::floor<std::chrono::days>(local_now);
  auto run = local_midnight + schedule.time_of_day - schedule.zone.offset;
  if (run <= now) run += std::chrono::days(1);
  return std::chrono::time_point_cast<std::chrono::system_clock::duration>(run);
}

std::chrono::system_clock::time_point next_interval_run(std::chrono::system_clock::time_point due,
                                                        std::chrono::minutes interval,
                                                        std::chrono::system_clock::time_point now) {
  if (due > now) return due;
  const auto step = std::chrono::duration_cast<std::chrono::system_clock::duration>(interval);
  const auto steps = (now - due) / step + 1;
  return due + steps * step;
}

}  // namespace hbsync::domain
