// What a board call gives back: a value or a typed Error, never an exception
// for anything board or the network can do.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "hbsync/apiclient/result.hpp"

namespace hbsync::board {

struct Error {
  enum Kind {
    unauthorized,            // 401: wrong API key or token (or revoked)
    forbidden,               // 403: the token lacks this operation
    not_found,               // 404
    validation,              // 400, 422 and any other 4xx: the request itself is wrong
    rate_limited,            // 429 after the retries, or our limiter's wait was too long
    daily_budget_exhausted,  // our shared limiter: the daily budget is used up; board not called
    server,                  // 5xx after the retries, or an unreadable 2xx answer
    network,  // no usable answer (connect, TLS, timeout) after the retries; Redis down
  };
  Kind kind = network;
  int status = 0;  // HTTP status of the last answer; 0 when there was none
  // board's own message ({"message"}, else "error"/"errors"; may be Japanese)
  // or ours. It may quote request values: callers keep it out of logs and
  // history unless they know it carries no personal data.
  std::string message{};
  // When to try again (Retry-After, the penalty or the budget's next free slot).
  std::optional<std::chrono::milliseconds> retry_after{};
  int attempts = 0;  // HTTP requests sent for this call
  // A create whose answer was lost (timeout, closed connection, 504): board
  // may have made the record. Look it up before creating it again.
  bool maybe_applied = false;
  // Set when the call failed on Redis (the shared rate limiter), not on the
  // network: Redis's own error text (e.g. "OOM command not allowed ..."),
  // so callers report a Redis error as one. kind is network then.
  std::string redis_error{};

  // Worth trying again later (the writer requeues); the others need a fix.
  bool retryable() const {
    return kind == rate_limited || kind == daily_budget_exhausted || kind == server ||
           kind == network;
  }
};

std::string_view to_string(Error::Kind kind);  // "unauthorized", ... (reason codes)

template <class T>
using Result = apiclient::Result<T, Error>;

}  // namespace hbsync::board
