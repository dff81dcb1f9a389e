#include "hbsync/retry/retry.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <thread>

namespace hbsync::retry {

using std::chrono::milliseconds;

namespace {

std::string duration_text(milliseconds value) {
  return std::to_string(value.count()) + "ms";
}

}  // namespace

Policy Policy::load(config::Loader& loader, const std::string& prefix) {
  return load(loader, prefix, Policy{});
}

Policy Policy::load(config::Loader& loader, const std::string& prefix, Policy defaults) {
  Policy policy = defaults;
  policy.max_attempts = static_cast<int>(
      loader.integer(prefix + "_MAX_ATTEMPTS", defaults.max_attempts,
                     "Attempts in total, the first included, before giving up", 1, 1000));
  policy.initial_delay =
      loader.duration(prefix + "_INITIAL_DELAY", duration_text(defaults.initial_delay),
                      "Upper bound of the first retry delay (each delay is jittered)");
  policy.max_delay = loader.duration(prefix + "_MAX_DELAY", duration_text(defaults.max_delay),
                                     "Upper bound of any retry delay unless Retry-After asks more");
  policy.max_elapsed =
      loader.duration(prefix + "_MAX_ELAPSED", duration_text(defaults.max_elapsed),
                      "Give up once this much time has passed since the first attempt");
  return policy;
}

uint64_t random_seed() {
  std::random_device device;
  return (static_cast<uint64_t>(device()) << 32) ^ device();
}

Backoff::Backoff(Policy policy, Clock clock, uint64_t seed)
    : policy_(policy), clock_(std::move(clock)), rng_(seed), started_(clock_()) {}

void Backoff::reset() {
  failures_ = 0;
  started_ = clock_();
}

milliseconds Backoff::cap(int failure) const {
  // In double so a long run cannot overflow before the min() applies.
  const double grown = static_cast<double>(policy_.initial_delay.count()) *
                       std::pow(policy_.multiplier, failure - 1);
  const double capped = std::min(grown, static_cast<double>(policy_.max_delay.count()));
  return milliseconds(static_cast<int64_t>(std::max(0.0, capped)));
}

std::optional<milliseconds> Backoff::next(std::optional<milliseconds> retry_after) {
  ++failures_;
  if (failures_ >= policy_.max_attempts) return std::nullopt;

  const auto elapsed = std::chrono::duration_cast<milliseconds>(clock_() - started_);
  const milliseconds remaining = policy_.max_elapsed - elapsed;
  if (remaining <= milliseconds::zero()) return std::nullopt;

  std::uniform_int_distribution<int64_t> jitter(0, cap(failures_).count());
  milliseconds delay(jitter(rng_));
  if (retry_after) {
    // The server said when it will serve us; asking earlier only wastes an
    // attempt, and if that moment is past our budget no attempt can succeed.
    if (*retry_after > remaining) return std::nullopt;
    delay = std::max(delay, *retry_after);
  }
  // Our own jitter may be shortened so one last attempt fits in the budget.
  return std::min(delay, remaining);
}

namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool all_digits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<int> number(std::string_view text, size_t width) {
  if (text.size() != width || !all_digits(text)) return std::nullopt;
  int value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

std::optional<milliseconds> parse_delta_seconds(std::string_view text) {
  bool negative = false;
  if (!text.empty() && text.front() == '-') {
    negative = true;
    text.remove_prefix(1);
  }
  if (!all_digits(text)) return std::nullopt;
  if (negative) return milliseconds::zero();
  // Saturate rather than reject: an absurd wait still means "not soon", which
  // Backoff turns into giving up.
  constexpr int64_t max_seconds = 1'000'000'000;
  int64_t seconds = max_seconds;
  if (text.size() < 10) std::from_chars(text.data(), text.data() + text.size(), seconds);
  return std::chrono::seconds(std::min(seconds, max_seconds));
}

// IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110 section 5.6.7).
std::optional<std::chrono::system_clock::time_point> parse_imf_fixdate(std::string_view text) {
  static constexpr std::array<std::string_view, 7> days = {"Mon", "Tue", "Wed", "Thu",
                                                           "Fri", "Sat", "Sun"};
  static constexpr std::array<std::string_view, 12> months = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (text.size() != 29 || text.substr(3, 2) != ", " || text[7] != ' ' || text[11] != ' ' ||
      text[16] != ' ' || text[19] != ':' || text[22] != ':' || text.substr(25) != " GMT") {
    return std::nullopt;
  }
  if (std::find(days.begin(), days.end(), text.substr(0, 3)) == days.end()) return std::nullopt;
  const auto month = std::find(months.begin(), months.end(), text.substr(8, 3));
  const auto day = number(text.substr(5, 2), 2);
  const auto year = number(text.substr(12, 4), 4);
  const auto hour = number(text.substr(17, 2), 2);
  const auto minute = number(text.substr(20, 2), 2);
  const auto second = number(text.substr(23, 2), 2);
  if (month == months.end() || !day || !year || !hour || !minute || !second) return std::nullopt;
  if (*hour > 23 || *minute > 59 || *second > 60) return std::nullopt;

  const std::chrono::year_month_day date{
      std::chrono::year(*year),
      std::chrono::month(static_cast<unsigned>(month - months.begin() + 1)),
      std::chrono::day(static_cast<unsigned>(*day))};
  if (!date.ok()) return std::nullopt;
  return std::chrono::sys_days(date) + std::chrono::hours(*hour) + std::chrono::minutes(*minute) +
         std::chrono::seconds(*second);
}

}  // namespace

std::optional<milliseconds> parse_retry_after(std::string_view value,
                                              std::chrono::system_clock::time_point now) {
  value = trim(value);
  if (value.empty()) return std::nullopt;
  if (value.front() == '-' || (value.front() >= '0' && value.front() <= '9')) {
    return parse_delta_seconds(value);
  }
  const auto when = parse_imf_fixdate(value);
  if (!when) return std::nullopt;
  if (*when <= now) return milliseconds::zero();
  return std::chrono::duration_cast<milliseconds>(*when - now);
}

void sleep_for(milliseconds delay) {
  std::this_thread::sleep_for(delay);
}

RunResult run(const Policy& policy, const std::function<Outcome(int attempt)>& fn,
              const Sleeper& sleep, Clock clock) {
  Backoff backoff(policy, std::move(clock));
  for (int attempt = 1;; ++attempt) {
    Outcome outcome = fn(attempt);
    if (outcome.kind != Outcome::retryable) return {std::move(outcome), attempt};
    const auto delay = backoff.next(outcome.retry_after);
    if (!delay) return {std::move(outcome), attempt};
    sleep(*delay);
  }
}

}  // namespace hbsync::retry
