// The simulator's shared state: the store behind one lock, the clock, and
// the per-API-key rate limits; plus the gate every /v1 request passes.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "hbsync/http/message.hpp"
#include "hbsync/simkit/kit.hpp"
#include "hbsync/simkit/rate_limiter.hpp"
#include "jst_time.hpp"
#include "outcome.hpp"
#include "store.hpp"

namespace hbsync::simboard {

struct RateLimits {
  int64_t per_second = 3;
  int64_t per_day = 3000;
};

// board's error body: {"message": "..."}.
http::Response error_response(int status, std::string_view message);
http::Response error_response(const Failure& failure);

class Board {
 public:
  explicit Board(RateLimits limits);

  // Held around every store call and while rendering what it returned.
  std::mutex mutex;
  SimClock clock;
  Store store{clock};

  RateLimits limits() const;
  // New limits start with empty windows.
  void set_limits(RateLimits limits);
  void reset_limits();

  // Order of checks: API key (401, not counted against any budget), the
  // key's daily then per-second budget (429 + Retry-After; a refused
  // request uses no budget), the bearer token of that key (401), the
  // token's operations (403). Returns the API key when admitted, else the
  // response to send.
  std::variant<std::string, http::Response> admit(const http::Request& request,
                                                  std::string_view operation,
                                                  const simkit::FaultInjector& faults);

  // The key calls are counted under: the x-api-key header when it names an
  // account, else "".
  std::string account_of(const http::Request& request);

 private:
  mutable std::mutex limits_mutex_;
  RateLimits limits_;
  std::unique_ptr<simkit::SlidingWindowLimiter> per_second_;
  std::unique_ptr<simkit::SlidingWindowLimiter> per_day_;
};

}  // namespace hbsync::simboard
