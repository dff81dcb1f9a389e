// Per-portal API rate limits: the rolling 10-second budget of public apps and
// the separate per-second budget of the search endpoints.
#pragma once

#include <cstdint>

#include "hbsync/http/message.hpp"
#include "hbsync/simkit/rate_limiter.hpp"

namespace hbsync::sim_hubspot {

class RateLimits {
 public:
  RateLimits(int64_t per_ten_seconds, int64_t search_per_second);

  struct Verdict {
    bool search = false;
    simkit::SlidingWindowLimiter::Decision decision;
  };
  // Search requests count only against the search budget.
  Verdict check(int64_t portal_id, bool search);

  // X-HubSpot-RateLimit-Max / -Remaining / -Interval-Milliseconds of the
  // policy the request counted against.
  void add_headers(http::Response& response, const Verdict& verdict) const;
  // 429 {status:"error", message, errorType:"RATE_LIMIT", correlationId,
  // policyName} with the headers and Retry-After.
  http::Response too_many_requests(const Verdict& verdict) const;

  void reset();

 private:
  simkit::SlidingWindowLimiter standard_;
  simkit::SlidingWindowLimiter search_;
};

}  // namespace hbsync::sim_hubspot
