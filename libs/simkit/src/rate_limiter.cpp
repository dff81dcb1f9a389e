#include "hbsync/simkit/rate_limiter.hpp"

#include <stdexcept>

namespace hbsync::simkit {

int64_t SlidingWindowLimiter::Decision::retry_after_seconds() const {
  int64_t seconds = (retry_after.count() + 999) / 1000;
  return seconds < 1 ? 1 : seconds;
}

SlidingWindowLimiter::SlidingWindowLimiter(int64_t limit, std::chrono::milliseconds window)
    : limit_(limit), window_(window) {
  if (limit < 1) throw std::invalid_argument("rate limit must be at least 1");
  if (window.count() <= 0) throw std::invalid_argument("rate window must be positive");
}

// A request admitted at t occupies the window until t + window; `log` has
// already been pruned of expired entries.
SlidingWindowLimiter::Decision SlidingWindowLimiter::decide(
    const std::deque<Clock::time_point>& log, Clock::time_point now) const {
  Decision d;
  d.limit = limit_;
  auto used = static_cast<int64_t>(log.size());
  if (used < limit_) {
    d.allowed = true;
    d.remaining = limit_ - used - 1;
    return d;
  }
  d.allowed = false;
  d.remaining = 0;
  // Ceiling, so a client that waits exactly this long is admitted.
  auto wait = log[static_cast<size_t>(used - limit_)] + window_ - now;
  auto ms = std::chrono::ceil<std::chrono::milliseconds>(wait);
  d.retry_after = ms.count() > 0 ? ms : std::chrono::milliseconds(1);
  return d;
}

namespace {

void prune(std::deque<SlidingWindowLimiter::Clock::time_point>& log,
           SlidingWindowLimiter::Clock::time_point now, std::chrono::milliseconds window) {
  while (!log.empty() && log.front() + window <= now) log.pop_front();
}

}  // namespace

SlidingWindowLimiter::Decision SlidingWindowLimiter::check(const std::string& key,
                                                           Clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto& log = logs_[key];
  prune(log, now, window_);
  Decision d = decide(log, now);
  if (d.allowed) log.push_back(now);
  return d;
}

SlidingWindowLimiter::Decision SlidingWindowLimiter::peek(const std::string& key,
                                                          Clock::time_point now) const {
  std::lock_guard lock(mutex_);
  auto it = logs_.find(key);
  if (it == logs_.end()) return decide({}, now);
  prune(it->second, now, window_);
  return decide(it->second, now);
}

void SlidingWindowLimiter::reset() {
  std::lock_guard lock(mutex_);
  logs_.clear();
}

}  // namespace hbsync::simkit
