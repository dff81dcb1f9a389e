#include "hbsync/apiclient/request.hpp"

#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>

#include "hbsync/http/url.hpp"
#include "hbsync/redis/redis.hpp"
#include "hbsync/retry/retry.hpp"

namespace hbsync::apiclient {

RequestMetrics::RequestMetrics(std::string_view api, std::string_view display)
    : requests_(prometheus::BuildCounter()
                    .Name("hbsync_" + std::string(api) + "_requests_total")
                    .Help("Requests sent to the " + std::string(display) +
                          " API (retries included), by operation and HTTP status or transport "
                          "error")
                    .Register(metrics::registry())),
      duration_(prometheus::BuildHistogram()
                    .Name("hbsync_" + std::string(api) + "_request_duration_seconds")
                    .Help("Time for one " + std::string(display) +
                          " API request, by operation (limiter waits excluded)")
                    .Register(metrics::registry())),
      tenant_requests_(prometheus::BuildCounter()
                           .Name("hbsync_" + std::string(api) + "_tenant_requests_total")
                           .Help("Requests sent to the " + std::string(display) +
                                 " API (retries included), by tenant and outcome (2xx, 429, "
                                 "4xx, 5xx, error: no answer)")
                           .Register(metrics::registry())) {}

RequestMetrics& RequestMetrics::of(const std::string& api, const std::string& display) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<RequestMetrics>> instances;
  std::lock_guard lock(mutex);
  auto& slot = instances[api];
  if (!slot) slot = std::make_unique<RequestMetrics>(api, display);
  return *slot;
}

http::ClientResult RequestMetrics::send(http::Client& http, const http::ClientRequest& request,
                                        std::string_view operation, const std::string& tenant) {
  const auto started = std::chrono::steady_clock::now();
  http::ClientResult result = http.send(request);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  observe(operation,
          result.ok() ? metrics::status_label(result.response.status)
                      : std::string(http::to_string(result.error)),
          seconds);
  if (!tenant.empty()) {
    // A lookup per request, as for the families above: requests are
    // milliseconds apart at best (rate limited per tenant), not a hot path.
    const int status = result.ok() ? result.response.status : 0;
    tenant_requests_.Add({{"tenant", tenant}, {"outcome", std::string(outcome_label(status))}})
        .Increment();
  }
  return result;
}

std::string_view outcome_label(int status) {
  if (status == 0) return "error";
  if (status == 429) return "429";
  if (status >= 200 && status < 300) return "2xx";
  if (status >= 400 && status < 500) return "4xx";
  if (status >= 500 && status < 600) return "5xx";
  return "other";
}

void RequestMetrics::observe(std::string_view operation, const std::string& code, double seconds) {
  const std::string id(operation);
  requests_.Add({{"operation", id}, {"code", code}}).Increment();
  duration_.Add({{"operation", id}}, metrics::latency_buckets()).Observe(seconds);
}

http::ClientRequest json_request(std::string method, std::string url,
                                 const http::QueryParams& query,
                                 const std::optional<std::string>& json_body,
                                 std::chrono::milliseconds timeout) {
  http::ClientRequest request;
  request.method = std::move(method);
  request.url = std::move(url);
  if (!query.empty()) request.url += "?" + http::build_query(query);
  request.headers.set("Accept", "application/json");
  if (json_body) {
    request.headers.set("Content-Type", "application/json");
    request.body = *json_body;
  }
  request.timeout = timeout;
  return request;
}

bool not_sent(http::ErrorKind kind) {
  return kind == http::ErrorKind::resolve || kind == http::ErrorKind::connect ||
         kind == http::ErrorKind::tls;
}

std::chrono::milliseconds retry_after(const http::ClientResponse& response,
                                      std::chrono::milliseconds fallback) {
  if (auto header = response.headers.get("Retry-After")) {
    if (auto parsed = retry::parse_retry_after(*header)) return *parsed;
  }
  return fallback;
}

void penalize(ratelimit::Limiter& limiter, const std::string& key, std::chrono::milliseconds wait) {
  try {
    limiter.penalize(key, wait);
  } catch (const redis::Error&) {
    // The Retry-After the caller waits still holds it back.
  }
}

std::string trimmed_base(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

void check_base_url(config::Loader& loader, const char* name, const std::string& url,
                    bool path_allowed) {
  try {
    const auto parsed = http::parse_url(url);
    if (!path_allowed && parsed.target != "/") {
      loader.reject(name, "must be scheme://host[:port] without a path");
    }
  } catch (const std::invalid_argument& e) {
    loader.reject(name, e.what());
  }
}

}  // namespace hbsync::apiclient
