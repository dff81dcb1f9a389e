// What a HubSpot call gives back: a value or a typed Error, never an exception
// for anything HubSpot or the network can do. Result itself is hbsync::apiclient's.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "hbsync/apiclient/result.hpp"

namespace hbsync::hubspot {

struct Error {
  enum Kind {
    unauthorized,   // 401 even after a token refresh; or the refresh token was refused
    forbidden,      // 403 (MISSING_SCOPES): the app lacks a scope
    not_found,      // 404 (OBJECT_NOT_FOUND)
    conflict,       // 409 (CONFLICT)
    validation,     // 400 and any other 4xx: the request itself is wrong
    rate_limited,   // 429 after the retries, or our limiter's wait was too long
    locked,         // 423 after the retries
    server,         // 5xx after the retries, or an unreadable 2xx answer
    network,        // no usable answer (connect, TLS, timeout) after the retries; Redis down
    not_connected,  // the tenant has no HubSpot tokens: HubSpot was not called
  };
  Kind kind = network;
  int status = 0;  // HTTP status of the last answer; 0 when there was none
  // HubSpot's error body, every field optional. `message` may quote request
  // values (property values, names): callers keep it out of logs and history
  // unless they know it carries no personal data. `category` and
  // `sub_category` are codes and safe to record.
  std::string category{};      // VALIDATION_ERROR, OBJECT_NOT_FOUND, CONFLICT, ...
  std::string sub_category{};  // crm.associations.NO_ASSOCIATIONS_FOUND, ...
  std::string message{};
  std::string correlation_id{};
  std::optional<std::chrono::milliseconds> retry_after{};
  int attempts = 0;  // HTTP requests sent for this call
  // A create whose answer was lost (timeout, closed connection, 504): HubSpot
  // may have made the record. Look it up before creating it again.
  bool maybe_applied = false;
  // Set when the call failed on Redis (the shared rate limiter), not on the
  // network: Redis's own error text (e.g. "OOM command not allowed ..."),
  // so callers report a Redis error as one. kind is network then.
  std::string redis_error{};

  bool retryable() const {
    return kind == rate_limited || kind == locked || kind == server || kind == network;
  }
};

std::string_view to_string(Error::Kind kind);  // "unauthorized", ... (reason codes)

template <class T>
using Result = apiclient::Result<T, Error>;

// For calls that answer nothing worth keeping (PATCH without reading back).
struct Done {};

}  // namespace hbsync::hubspot
