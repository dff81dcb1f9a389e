#include "jst_time.hpp"

#include <cstdio>

namespace hbsync::simboard {
namespace {

using namespace std::chrono;

constexpr Seconds kJstOffset = 9 * 3600;

bool digits(std::string_view text, size_t from, size_t count, int& out) {
  if (from + count > text.size()) return false;
  int value = 0;
  for (size_t i = from; i < from + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    value = value * 10 + (text[i] - '0');
  }
  out = value;
  return true;
}

std::optional<Date> date_at(std::string_view text) {
  int y = 0, m = 0, d = 0;
  if (text.size() < 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  if (!digits(text, 0, 4, y) || !digits(text, 5, 2, m) || !digits(text, 8, 2, d)) {
    return std::nullopt;
  }
  year_month_day ymd{year(y), month(static_cast<unsigned>(m)), day(static_cast<unsigned>(d))};
  if (!ymd.ok()) return std::nullopt;
  return sys_days(ymd);
}

// "HH:MM:SS" at `from`; seconds into the day.
std::optional<Seconds> time_at(std::string_view text, size_t from) {
  int h = 0, mi = 0, s = 0;
  if (text.size() < from + 8 || text[from + 2] != ':' || text[from + 5] != ':') return std::nullopt;
  if (!digits(text, from, 2, h) || !digits(text, from + 3, 2, mi) ||
      !digits(text, from + 6, 2, s)) {
    return std::nullopt;
  }
  if (h > 23 || mi > 59 || s > 59) return std::nullopt;
  return Seconds{h * 3600 + mi * 60 + s};
}

Seconds epoch_seconds(Date date) {
  return duration_cast<seconds>(date.time_since_epoch()).count();
}

}  // namespace

std::string format_timestamp(Seconds t) {
  Seconds local = t + kJstOffset;
  Date date = floor<days>(sys_seconds(seconds(local)));
  Seconds in_day = local - epoch_seconds(date);
  year_month_day ymd(date);
  char buffer[96];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02lld:%02lld:%02lld+09:00",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<long long>(in_day / 3600),
                static_cast<long long>(in_day / 60 % 60), static_cast<long long>(in_day % 60));
  return buffer;
}

Date jst_date(Seconds t) {
  return floor<days>(sys_seconds(seconds(t + kJstOffset)));
}

std::string format_date(Date date) {
  year_month_day ymd(date);
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buffer;
}

std::optional<Date> parse_date(std::string_view text) {
  if (text.size() != 10) return std::nullopt;
  return date_at(text);
}

std::optional<Seconds> parse_filter_time(std::string_view text) {
  auto date = date_at(text);
  if (!date) return std::nullopt;
  Seconds midnight = epoch_seconds(*date);
  if (text.size() == 10) return midnight - kJstOffset;
  if (text[10] != ' ' && text[10] != 'T') return std::nullopt;
  auto in_day = time_at(text, 11);
  if (!in_day) return std::nullopt;
  std::string_view zone = text.substr(19);
  if (zone.empty()) {
    // A wall-clock time without a zone is Japan time: board is a Japanese service.
    return midnight + *in_day - kJstOffset;
  }
  if (text[10] != 'T') return std::nullopt;
  if (zone == "Z") return midnight + *in_day;
  int oh = 0, om = 0;
  if (zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') || zone[3] != ':' ||
      !digits(zone, 1, 2, oh) || !digits(zone, 4, 2, om) || oh > 14 || om > 59) {
    return std::nullopt;
  }
  Seconds offset = (oh * 3600 + om * 60) * (zone[0] == '-' ? -1 : 1);
  return midnight + *in_day - offset;
}

Date add_months(Date date, int months) {
  year_month_day ymd(date);
  year_month_day moved = ymd + std::chrono::months(months);
  if (!moved.ok()) moved = moved.year() / moved.month() / last;
  return sys_days(moved);
}

Date end_of_next_month(Date date) {
  year_month_day ymd(date);
  year_month next = ymd.year() / ymd.month() + std::chrono::months(1);
  return sys_days(next / last);
}

Seconds SimClock::now() const {
  auto real = duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
  return real + offset_.load();
}

void SimClock::set(Seconds now) {
  auto real = duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
  offset_ = now - real;
}

}  // namespace hbsync::simboard
