#include "hbsync/domain/dates.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "hbsync/domain/text.hpp"

namespace hbsync::domain {
namespace {

using std::chrono::days;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::sys_days;
using std::chrono::sys_time;

// A left-to-right reader over a fixed-format string.
class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {}

  bool at_end() const { return i_ == s_.size(); }
  bool peek(char c) const { return i_ < s_.size() && s_[i_] == c; }
  bool eat(char c) {
    if (!peek(c)) return false;
    ++i_;
    return true;
  }
  // Exactly n ASCII digits.
  bool digits(int n, int& out) {
    if (s_.size() - i_ < static_cast<size_t>(n)) return false;
    int value = 0;
    for (int k = 0; k < n; ++k) {
      const char c = s_[i_ + k];
      if (c < '0' || c > '9') return false;
      value = value * 10 + (c - '0');
    }
    i_ += n;
    out = value;
    return true;
  }
  // One or more digits; returns the first three as milliseconds (truncating).
  bool fraction_ms(int& ms) {
    size_t n = 0;
    ms = 0;
    while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') {
      if (n < 3) ms = ms * 10 + (s_[i_] - '0');
      ++n, ++i_;
    }
    for (size_t k = n; k < 3; ++k) ms *= 10;
    return n > 0;
  }

 private:
  std::string_view s_;
  size_t i_ = 0;
};

std::optional<std::chrono::year_month_day> read_date(Reader& r) {
  int y = 0, m = 0, d = 0;
  if (!r.digits(4, y) || !r.eat('-') || !r.digits(2, m) || !r.eat('-') || !r.digits(2, d)) {
    return std::nullopt;
  }
  const std::chrono::year_month_day ymd{std::chrono::year(y),
                                        std::chrono::month(static_cast<unsigned>(m)),
                                        std::chrono::day(static_cast<unsigned>(d))};
  if (!ymd.ok()) return std::nullopt;
  return ymd;
}

// "Z", "+HH:MM", "+HHMM", "+HH" (or '-').
std::optional<minutes> read_zone(Reader& r) {
  if (r.eat('Z') || r.eat('z')) return minutes(0);
  int sign = 0;
  if (r.eat('+')) {
    sign = 1;
  } else if (r.eat('-')) {
    sign = -1;
  } else {
    return std::nullopt;
  }
  int hh = 0, mm = 0;
  if (!r.digits(2, hh)) return std::nullopt;
  if (r.eat(':')) {
    if (!r.digits(2, mm)) return std::nullopt;
  } else if (!r.at_end()) {
    if (!r.digits(2, mm)) return std::nullopt;
  }
  if (hh > 23 || mm > 59) return std::nullopt;
  return minutes(sign * (hh * 60 + mm));
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

sys_time<milliseconds> to_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::floor<milliseconds>(t);
}

std::string format_jst(sys_time<milliseconds> t) {
  const auto local = std::chrono::floor<std::chrono::seconds>(t + kJstOffset);
  const auto day = std::chrono::floor<days>(local);
  const std::chrono::year_month_day ymd{day};
  const std::chrono::hh_mm_ss hms{local - day};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u %02d:%02d:%02d", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

std::chrono::year_month_day jst_date_ms(sys_time<milliseconds> t) {
  return std::chrono::year_month_day{std::chrono::floor<days>(t + kJstOffset)};
}

}  // namespace

std::optional<std::chrono::year_month_day> parse_date(std::string_view text) {
  Reader r(text);
  auto date = read_date(r);
  if (!date || !r.at_end()) return std::nullopt;
  return date;
}

std::string format_date(std::chrono::year_month_day date) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return buf;
}

std::optional<int64_t> parse_timestamp_ms(std::string_view text, minutes default_offset) {
  text = trim_spaces(text);
  if (all_digits(text)) {
    // 15 digits reach the year 33658; more is not a timestamp anyone sends.
    if (text.size() > 15) return std::nullopt;
    int64_t ms = 0;
    std::from_chars(text.data(), text.data() + text.size(), ms);
    return ms;
  }
  Reader r(text);
  const auto date = read_date(r);
  if (!date) return std::nullopt;
  int hh = 0, mm = 0, ss = 0, ms = 0;
  if (!r.at_end()) {
    if (!(r.eat('T') || r.eat('t') || r.eat(' '))) return std::nullopt;
    if (!r.digits(2, hh) || !r.eat(':') || !r.digits(2, mm)) return std::nullopt;
    if (r.eat(':')) {
      if (!r.digits(2, ss)) return std::nullopt;
      if ((r.eat('.') || r.eat(',')) && !r.fraction_ms(ms)) return std::nullopt;
    }
    if (hh > 23 || mm > 59 || ss > 59) return std::nullopt;
  }
  minutes offset = default_offset;
  if (!r.at_end()) {
    r.eat(' ');
    const auto zone = read_zone(r);
    if (!zone || !r.at_end()) return std::nullopt;
    offset = *zone;
  }
  const auto t = sys_days(*date) + std::chrono::hours(hh) + minutes(mm) + std::chrono::seconds(ss) +
                 milliseconds(ms) - offset;
  return std::chrono::duration_cast<milliseconds>(t.time_since_epoch()).count();
}

std::optional<int64_t> parse_hubspot_timestamp_ms(std::string_view text) {
  return parse_timestamp_ms(text, minutes(0));
}

std::optional<int64_t> parse_board_timestamp_ms(std::string_view text) {
  return parse_timestamp_ms(text, kJstOffset);
}

std::chrono::year_month_day jst_date(std::chrono::system_clock::time_point t) {
  return jst_date_ms(to_ms(t));
}

std::string format_jst_timestamp(std::chrono::system_clock::time_point t) {
  return format_jst(to_ms(t));
}

std::string format_jst_timestamp(int64_t epoch_ms) {
  return format_jst(sys_time<milliseconds>(milliseconds(epoch_ms)));
}

std::chrono::year_month_day month_end(std::chrono::year_month_day date) {
  return std::chrono::year_month_day{
      std::chrono::year_month_day_last{date.year(), std::chrono::month_day_last{date.month()}}};
}

std::optional<std::chrono::year_month_day> closedate_jst_date(std::string_view closedate) {
  closedate = trim_spaces(closedate);
  if (closedate.empty()) return std::nullopt;
  if (auto date = parse_date(closedate)) return date;
  const auto ms = parse_hubspot_timestamp_ms(closedate);
  if (!ms) return std::nullopt;
  return jst_date_ms(sys_time<milliseconds>(milliseconds(*ms)));
}

std::string_view to_string(InvoiceDateRule rule) {
  switch (rule) {
    case InvoiceDateRule::closedate_or_month_end:
      return "closedate_or_month_end";
    case InvoiceDateRule::closedate_month_end:
      return "closedate_month_end";
    case InvoiceDateRule::current_month_end:
      return "current_month_end";
  }
  return "closedate_or_month_end";
}

std::optional<InvoiceDateRule> parse_invoice_date_rule(std::string_view id) {
  for (auto rule : {InvoiceDateRule::closedate_or_month_end, InvoiceDateRule::closedate_month_end,
                    InvoiceDateRule::current_month_end}) {
    if (to_string(rule) == id) return rule;
  }
  return std::nullopt;
}

std::string_view to_string(InvoiceDateSource source) {
  switch (source) {
    case InvoiceDateSource::closedate:
      return "closedate";
    case InvoiceDateSource::closedate_month_end:
      return "closedate_month_end";
    case InvoiceDateSource::current_month_end:
      return "current_month_end";
  }
  return "current_month_end";
}

InvoiceDate invoice_date(std::optional<std::string_view> closedate,
                         std::chrono::system_clock::time_point now, InvoiceDateRule rule) {
  auto make = [](std::chrono::year_month_day d, InvoiceDateSource source, bool unreadable) {
    return InvoiceDate{d, format_date(d), source, unreadable};
  };
  if (rule != InvoiceDateRule::current_month_end && closedate) {
    if (const auto date = closedate_jst_date(*closedate)) {
      if (rule == InvoiceDateRule::closedate_month_end) {
        return make(month_end(*date), InvoiceDateSource::closedate_month_end, false);
      }
      return make(*date, InvoiceDateSource::closedate, false);
    }
  }
  const bool unreadable =
      rule != InvoiceDateRule::current_month_end && closedate && !trim_spaces(*closedate).empty();
  return make(month_end(jst_date(now)), InvoiceDateSource::current_month_end, unreadable);
}

}  // namespace hbsync::domain
