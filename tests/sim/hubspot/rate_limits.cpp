#include "rate_limits.hpp"

#include "util.hpp"

namespace hbsync::sim_hubspot {

RateLimits::RateLimits(int64_t per_ten_seconds, int64_t search_per_second)
    : standard_(per_ten_seconds, std::chrono::seconds(10)),
      search_(search_per_second, std::chrono::seconds(1)) {}

RateLimits::Verdict RateLimits::check(int64_t portal_id, bool search) {
  Verdict verdict;
  verdict.search = search;
  verdict.decision = (search ? search_ : standard_).check(std::to_string(portal_id));
  return verdict;
}

void RateLimits::add_headers(http::Response& response, const Verdict& verdict) const {
  const auto& limiter = verdict.search ? search_ : standard_;
  response.headers.set("X-HubSpot-RateLimit-Max", std::to_string(verdict.decision.limit));
  response.headers.set("X-HubSpot-RateLimit-Remaining", std::to_string(verdict.decision.remaining));
  response.headers.set("X-HubSpot-RateLimit-Interval-Milliseconds",
                       std::to_string(limiter.window().count()));
}

http::Response RateLimits::too_many_requests(const Verdict& verdict) const {
  const char* policy = verdict.search ? "SECONDLY" : "TEN_SECONDLY_ROLLING";
  const char* message = verdict.search ? "You have reached your secondly limit."
                                       : "You have reached your ten_secondly_rolling limit.";
  http::Response response = http::Response::json(429, write_json([&](JsonWriter& w) {
                                                   w.StartObject();
                                                   key(w, "status");
                                                   string(w, "error");
                                                   key(w, "message");
                                                   string(w, message);
                                                   key(w, "errorType");
                                                   string(w, "RATE_LIMIT");
                                                   key(w, "correlationId");
                                                   string(w, new_correlation_id());
                                                   key(w, "policyName");
                                                   string(w, policy);
                                                   w.EndObject();
                                                 }));
  add_headers(response, verdict);
  response.headers.set("Retry-After", std::to_string(verdict.decision.retry_after_seconds()));
  return response;
}

void RateLimits::reset() {
  standard_.reset();
  search_.reset();
}

}  // namespace hbsync::sim_hubspot
