// The one request loop of the API clients (board, HubSpot): per attempt the
// auth header, a slot from the shared rate limiter, the timed send counted in
// Prometheus; between attempts the one retry policy (libs/retry) with the
// server's Retry-After honoured; at the end a 2xx answer or a Failure in a
// classification both APIs share, which each client maps onto its own Error.
// A client supplies only its specifics: a Profile (what counts as retryable,
// its default waits, which limiter a 429 penalizes) and, per call, its
// limiter key and auth (with HubSpot's token refresh on a 401).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "hbsync/apiclient/request.hpp"
#include "hbsync/apiclient/result.hpp"
#include "hbsync/http/client.hpp"
#include "hbsync/ratelimit/limiter.hpp"
#include "hbsync/retry/retry.hpp"

namespace hbsync::apiclient {

// Why a call failed, as both APIs see it.
enum class Class {
  unauthorized,      // 401
  forbidden,         // 403
  not_found,         // 404
  conflict,          // 409
  locked,            // 423
  rejected,          // any other 4xx: the request itself is wrong
  rate_limited,      // 429, or no limiter slot within the wait allowed
  budget_exhausted,  // the limiter's budget window is used up, or a wait >= Profile::budget_wait
  server,            // 5xx
  network,           // no answer (connect, TLS, timeout); or Redis down (redis_error set)
};
std::string_view to_string(Class kind);

// The HTTP status of an error answer in the shared classification.
Class class_of_status(int status);

// The last attempt's failure.
struct Failure {
  Class kind = Class::network;
  int status = 0;         // HTTP status of the last answer; 0 when there was none
  std::string message{};  // ours, when there was no answer (status 0)
  std::string body{};     // the answer's body (status != 0): the client reads its error
  std::optional<std::chrono::milliseconds> retry_after{};
  int attempts = 0;  // HTTP requests sent for this call
  // A create whose answer was lost (timeout, closed connection, 504).
  bool maybe_applied = false;
  // Redis's own error text when the rate limiter failed on Redis (kind network).
  std::string redis_error{};
};

// One API call as a client builds it.
struct Call {
  std::string_view operation{};   // metric label and logs ("clients.create")
  http::ClientRequest request{};  // everything but the auth header
  bool creates = false;           // not resent when the API may have acted on it
  ratelimit::Limiter* limiter{};  // none: not rate limited
  std::string limit_key{};        // the limiter's key (tenant, key fingerprint)
  // The tenant (its HubSpot portal id) the call is made for: the `tenant`
  // label of hbsync_<api>_tenant_requests_total. Empty: not counted there
  // (OAuth token requests, made before or outside a tenant).
  std::string tenant{};
  std::atomic<uint64_t>* sent{};  // incremented for every request sent
  // Sets the auth header(s) before each attempt.
  std::function<void(http::ClientRequest&)> authorize{};
  // On a 401, at most once per call: true to retry at once (authorize then
  // sets the refreshed credentials), false to give up.
  std::function<bool()> refresh{};
};

// What differs between the APIs.
struct Profile {
  std::string api{};      // metric name part ("board", "hubspot")
  std::string display{};  // in messages and logs ("board", "HubSpot")
  // Longest wait for a limiter slot before giving up.
  std::chrono::milliseconds max_rate_wait{30000};
  // The wait after a 429 without (a readable) Retry-After.
  std::chrono::milliseconds default_retry_after{1000};
  // A limiter wait or Retry-After this long is the daily budget, not a burst
  // limit (Class::budget_exhausted); none: never.
  std::optional<std::chrono::milliseconds> budget_wait{};
  // 423 is retried after this wait; none: 423 is final.
  std::optional<std::chrono::milliseconds> locked_wait{};
  // The limiter a 429 penalizes (every replica held back); default: the
  // call's. Only called when the call has a limiter.
  std::function<ratelimit::Limiter&(const Call&, const http::ClientResponse&)> penalized{};
};

using Answer = Result<http::ClientResponse, Failure>;

class Loop {
 public:
  // `http` must outlive the Loop. `sleep` and `clock` drive the retry policy
  // (tests pass fakes).
  Loop(Profile profile, http::Client& http, retry::Policy policy,
       retry::Sleeper sleep = retry::sleep_for,
       retry::Clock clock = std::chrono::steady_clock::now);

  // Runs a call until a 2xx, a final failure, or the policy gives up.
  Answer run(const Call& call);

  const Profile& profile() const { return profile_; }

 private:
  class Attempt;

  Profile profile_;
  http::Client& http_;
  retry::Policy policy_;
  retry::Sleeper sleep_;
  retry::Clock clock_;
  RequestMetrics& metrics_;
};

}  // namespace hbsync::apiclient
