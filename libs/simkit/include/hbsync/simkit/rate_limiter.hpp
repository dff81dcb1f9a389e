// Exact sliding-window rate limiting (a log of admitted request times per
// key): "N requests in any rolling window", as the real APIs describe it.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>

namespace hbsync::simkit {

class SlidingWindowLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  struct Decision {
    bool allowed = true;
    int64_t limit = 0;
    // Left in the current window after this request (0 when refused).
    int64_t remaining = 0;
    // When refused: until the oldest admitted request leaves the window.
    std::chrono::milliseconds retry_after{0};
    // Seconds for a Retry-After header: retry_after rounded up, at least 1.
    int64_t retry_after_seconds() const;
  };

  // Throws std::invalid_argument when limit < 1 or window <= 0.
  SlidingWindowLimiter(int64_t limit, std::chrono::milliseconds window);

  // Admits and records the request when the key has room; a refused request
  // is not recorded, so it does not push the client's next slot further out.
  Decision check(const std::string& key, Clock::time_point now = Clock::now());
  // The same answer without recording anything.
  Decision peek(const std::string& key, Clock::time_point now = Clock::now()) const;

  int64_t limit() const { return limit_; }
  std::chrono::milliseconds window() const { return window_; }
  void reset();

 private:
  Decision decide(const std::deque<Clock::time_point>& log, Clock::time_point now) const;

  int64_t limit_;
  std::chrono::milliseconds window_;
  mutable std::mutex mutex_;
  mutable std::map<std::string, std::deque<Clock::time_point>> logs_;
};

}  // namespace hbsync::simkit
