// The pieces of an API client's request loop that are the same for every API:
// the timed send counted in Prometheus, what a transport error says about a
// request having been sent, Retry-After, penalties, base URL handling.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "hbsync/config/config.hpp"
#include "hbsync/http/client.hpp"
#include "hbsync/http/url.hpp"
#include "hbsync/metrics/metrics.hpp"
#include "hbsync/ratelimit/limiter.hpp"

namespace hbsync::apiclient {

// hbsync_<api>_requests_total{operation,code} (code: metrics::status_label of
// the status, or the transport error: closed sets),
// hbsync_<api>_request_duration_seconds{operation} and
// hbsync_<api>_tenant_requests_total{tenant,outcome} (outcome: outcome_label;
// tenants are HubSpot portal ids, bounded by the number of tenants).
class RequestMetrics {
 public:
  // `api`: metric name part ("board"); `display`: the API's name in help texts.
  RequestMetrics(std::string_view api, std::string_view display);
  // The one instance of `api` (registered once per process).
  static RequestMetrics& of(const std::string& api, const std::string& display);

  // Sends one request, observing its duration and its status or transport
  // error, and its outcome class under `tenant` (none when empty).
  http::ClientResult send(http::Client& http, const http::ClientRequest& request,
                          std::string_view operation, const std::string& tenant);

 private:
  void observe(std::string_view operation, const std::string& code, double seconds);

  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& duration_;
  prometheus::Family<prometheus::Counter>& tenant_requests_;
};

// The `outcome` of a request in the per-tenant series: "2xx", "429", "4xx"
// (any other 4xx), "5xx", "error" (no answer: `status` 0), "other" (1xx,
// 3xx: never expected from these APIs).
std::string_view outcome_label(int status);

// `method` `url`?`query`, Accept: application/json, `json_body` (if any) as
// application/json; the auth headers are the request loop's.
http::ClientRequest json_request(std::string method, std::string url,
                                 const http::QueryParams& query,
                                 const std::optional<std::string>& json_body,
                                 std::chrono::milliseconds timeout);

// Whether the request certainly never reached the API, so even a create may
// be sent again.
bool not_sent(http::ErrorKind kind);

// The Retry-After of an answer, `fallback` when absent or unreadable.
std::chrono::milliseconds retry_after(const http::ClientResponse& response,
                                      std::chrono::milliseconds fallback);

// Holds every replica back on `key` for `wait`; a Redis failure is ignored
// (the caller's own Retry-After still holds it back).
void penalize(ratelimit::Limiter& limiter, const std::string& key, std::chrono::milliseconds wait);

// The URL without trailing slashes.
std::string trimmed_base(std::string url);

// Rejects `name` unless `url` parses (and, unless `path_allowed`, has no path).
void check_base_url(config::Loader& loader, const char* name, const std::string& url,
                    bool path_allowed);

}  // namespace hbsync::apiclient
