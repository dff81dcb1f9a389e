// Dates and timestamps crossing between HubSpot (UTC, ISO-8601 or epoch ms)
// and board (Japan: JST = UTC+9, no daylight saving). `now` is always passed
// in so rules are deterministic and testable.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hbsync::domain {

inline constexpr std::chrono::minutes kJstOffset{9 * 60};

// "YYYY-MM-DD". nullopt unless exactly that shape and a real calendar date.
std::optional<std::chrono::year_month_day> parse_date(std::string_view text);
// "YYYY-MM-DD", the year zero-padded to four digits.
std::string format_date(std::chrono::year_month_day date);

// A timestamp to epoch milliseconds. Accepted:
// - "YYYY-MM-DD[T| ]HH:MM[:SS[.fraction]]" followed by an optional zone "Z",
//   "+HH:MM", "+HHMM" or "+HH" (also after one space, as Rails prints
//   "2026-11-25 10:00:00 +0900"); without a zone, `default_offset` applies;
// - digits only: epoch milliseconds (HubSpot sends those for date properties).
// Fractions beyond milliseconds are truncated. Anything else: nullopt.
std::optional<int64_t> parse_timestamp_ms(std::string_view text,
                                          std::chrono::minutes default_offset);

// HubSpot values carry their zone (or are epoch ms); a bare local time is
// taken as UTC.
std::optional<int64_t> parse_hubspot_timestamp_ms(std::string_view text);
// board's "2026-11-25T10:00:00+09:00" and the filter form
// "2026-11-25 10:00:00" (JST when no zone is given).
std::optional<int64_t> parse_board_timestamp_ms(std::string_view text);

// The JST calendar date of an instant.
std::chrono::year_month_day jst_date(std::chrono::system_clock::time_point t);
// "YYYY-MM-DD HH:MM:SS" in JST, the form board's updated_at_gteq takes.
std::string format_jst_timestamp(std::chrono::system_clock::time_point t);
std::string format_jst_timestamp(int64_t epoch_ms);

// The last day of that date's month (leap years included).
std::chrono::year_month_day month_end(std::chrono::year_month_day date);

// The JST date of a deal's closedate: a timestamp (ISO-8601 with zone, or
// epoch ms) is converted to JST, so "2026-11-30T15:00:00Z" is 2026-12-01; a
// plain "YYYY-MM-DD" is taken as that date. nullopt when empty or unreadable.
std::optional<std::chrono::year_month_day> closedate_jst_date(std::string_view closedate);

// F6.4 invoice-date rule for new projects (一括請求 needs an invoice_date).
enum class InvoiceDateRule {
  closedate_or_month_end,  // default (F3.5): the closedate, else the end of the current month
  closedate_month_end,     // end of the closedate's month (月末締め), else of the current month
  current_month_end,       // always the end of the current month
};
std::string_view to_string(InvoiceDateRule rule);
std::optional<InvoiceDateRule> parse_invoice_date_rule(std::string_view id);

enum class InvoiceDateSource { closedate, closedate_month_end, current_month_end };
std::string_view to_string(InvoiceDateSource source);

struct InvoiceDate {
  std::chrono::year_month_day date{};
  std::string text;  // "YYYY-MM-DD", as board takes it
  InvoiceDateSource source = InvoiceDateSource::current_month_end;
  // A closedate was given but could not be read (history can say so).
  bool closedate_unreadable = false;
};

// "Current month" is the JST month of `now`.
InvoiceDate invoice_date(std::optional<std::string_view> closedate,
                         std::chrono::system_clock::time_point now,
                         InvoiceDateRule rule = InvoiceDateRule::closedate_or_month_end);

}  // namespace hbsync::domain
