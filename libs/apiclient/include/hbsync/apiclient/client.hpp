// What the API clients' Api classes (board, HubSpot) share beyond the request
// loop: the variables both load alike, the per-operation call counter, and
// the reading of a loop Failure as the client's own Error. A client keeps
// only its specifics (its operations, its own error kinds and error body).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "hbsync/apiclient/loop.hpp"
#include "hbsync/config/config.hpp"
#include "hbsync/retry/retry.hpp"

namespace hbsync::apiclient {

// How an API's common variables are named and described.
struct Variables {
  std::string prefix{};       // "HBSYNC_BOARD": <prefix>_API_URL, <prefix>_TIMEOUT, ...
  std::string display{};      // the API's name in help texts ("board", "HubSpot")
  std::string url_help{};     // of <prefix>_API_URL
  std::string margin_help{};  // of <prefix>_RATE_MARGIN
};

// Loads what every API client has, into `options`' members of the same names:
// base_url (<prefix>_API_URL, a URL without a path), timeout (<prefix>_TIMEOUT),
// rate_margin (<prefix>_RATE_MARGIN), max_rate_wait (<prefix>_MAX_RATE_WAIT)
// and retry (<prefix>_RETRY_*, retry::Policy).
template <class Options>
void load_common(config::Loader& loader, const Variables& v, Options& options) {
  const std::string url = v.prefix + "_API_URL";
  options.base_url = loader.str(url, options.base_url, v.url_help);
  check_base_url(loader, url.c_str(), options.base_url, false);
  options.timeout =
      loader.duration(v.prefix + "_TIMEOUT", "30s", "Timeout of one " + v.display + " API request");
  options.rate_margin = loader.duration(v.prefix + "_RATE_MARGIN", "200ms", v.margin_help);
  options.max_rate_wait =
      loader.duration(v.prefix + "_MAX_RATE_WAIT", "30s",
                      "Longest wait for a " + v.display + " rate-limit slot before giving up");
  options.retry = retry::Policy::load(loader, v.prefix + "_RETRY");
}

// HTTP requests sent per operation (each retry counts), for tests and
// benchmarks: API calls per synced deal.
struct CallCounts {
  uint64_t total = 0;
  std::map<std::string, uint64_t> by_operation{};  // operation id -> requests
};

// One counter per operation of an enum 0..N-1; `id` names an operation.
template <class Operation, size_t N>
class CallCounter {
 public:
  using Id = std::string_view (*)(Operation);
  explicit CallCounter(Id id) : id_(id) {}

  // The counter the request loop increments (Call::sent).
  std::atomic<uint64_t>* sent(Operation op) { return &counts_[static_cast<size_t>(op)]; }

  CallCounts counts() const {
    CallCounts out;
    for (size_t i = 0; i < N; ++i) {
      const uint64_t n = counts_[i].load();
      out.total += n;
      if (n) out.by_operation[std::string(id_(static_cast<Operation>(i)))] = n;
    }
    return out;
  }

 private:
  Id id_;
  std::array<std::atomic<uint64_t>, N> counts_{};
};

// The client Error kind of the classes every client reads alike: 401, 403,
// 404, 429 (and a used-up budget), 5xx and no answer by their own names, any
// other 4xx (409 and 423 included) as validation. A client with its own kind
// for a class (HubSpot's conflict, board's daily budget) checks it first.
template <class Error>
typename Error::Kind common_kind(Class kind) {
  switch (kind) {
    case Class::unauthorized:
      return Error::unauthorized;
    case Class::forbidden:
      return Error::forbidden;
    case Class::not_found:
      return Error::not_found;
    case Class::rate_limited:
    case Class::budget_exhausted:
      return Error::rate_limited;
    case Class::server:
      return Error::server;
    case Class::network:
      return Error::network;
    case Class::conflict:
    case Class::locked:
    case Class::rejected:
      break;
  }
  return Error::validation;
}

// A client Error of `kind` with the failure's status, message, waits and
// attempts; the client then reads its error body (Failure::body) its own way.
template <class Error>
Error error_of(const Failure& failure, typename Error::Kind kind) {
  Error error{};
  error.kind = kind;
  error.status = failure.status;
  error.message = failure.message;
  error.retry_after = failure.retry_after;
  error.attempts = failure.attempts;
  error.maybe_applied = failure.maybe_applied;
  error.redis_error = failure.redis_error;
  return error;
}

}  // namespace hbsync::apiclient
