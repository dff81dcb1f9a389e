// Per-tenant rate limits shared by every replica of every service (SPEC
// section 3: board 3 req/s and 3,000/day per API key; HubSpot 110 per 10 s and
// search 5/s per portal), kept in Redis.
//
// Algorithm: an exact sliding-window log. Each grant is one member of a sorted
// set scored by the Redis server's clock (TIME inside the script, so replica
// clocks do not matter). A request is granted only when, for every window,
// fewer than `limit` grants lie in (now - length, now]; hence no interval of
// that length ever holds more than `limit` grants, which is how board and the
// simulator count (a rolling second). GCRA or fixed buckets were rejected:
// both let up to twice the limit through across a boundary. One log serves all
// windows of a limiter (each window counts the members younger than its
// length); it is trimmed to the longest window, so it holds at most the
// longest window's limit (board: 3,000 members, roughly 100 KB per busy key).
//
// Every operation is one run of one Lua script, so check-and-grant is atomic
// across replicas.
//
// Redis keys (no personal data: `key` is a tenant id or a fingerprint):
//   hbsync:rl:<name>:<key>:log    sorted set, member = unique grant id, score =
//                                 server time in microseconds. PEXPIRE = the
//                                 longest window + 1 s after each grant.
//   hbsync:rl:<name>:<key>:block  string, server time (µs) until which nobody
//                                 may call (penalize); PX = the remaining wait.
// Keys carry no Redis Cluster hash tag, like the rest of the project: the
// services talk to one Redis (or a replicated primary).
#pragma once

#include <prometheus/counter.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "hbsync/redis/redis.hpp"

namespace hbsync::ratelimit {

// Members carry {} initializers so designated initializers that omit them
// do not trip -Wmissing-field-initializers (g++ 12, -Wextra).
struct Window {
  int64_t limit = 1;  // grants allowed in any interval of `length`
  std::chrono::milliseconds length{1000};
  // A budget (board's daily 3,000) rather than a burst limit: running out of
  // it is reported as Reason::budget_exhausted and counted in
  // hbsync_ratelimit_exhausted_total, because waiting it out takes hours.
  bool budget = false;
  std::string name{};  // "second", "day": for messages and Usage
};

enum class Reason {
  granted,
  throttled,         // a burst window is full; a slot frees within `wait`
  budget_exhausted,  // a budget window is full
  penalized,         // the API answered 429; nobody calls until `wait` has passed
};
const char* to_string(Reason reason);  // "granted", "throttled", ... (metric label)

struct Decision {
  bool allowed = false;
  Reason reason = Reason::granted;
  // Until a slot frees (or the penalty ends), by the Redis server's clock.
  // Another caller may take that slot first: ask again after waiting.
  std::chrono::milliseconds wait{0};
  int window = -1;  // index of the full window (throttled / budget_exhausted)

  explicit operator bool() const { return allowed; }
};

struct WindowUsage {
  Window window;
  int64_t used = 0;  // grants in the window now
  int64_t remaining = 0;
  // Until the oldest grant in the window leaves it (0 when empty).
  std::chrono::milliseconds frees_in{0};
};

struct Usage {
  std::vector<WindowUsage> windows;
  std::chrono::milliseconds blocked_for{0};  // remaining penalty, 0 if none
};

class Limiter {
 public:
  // `name` names the limit ("board", "hubspot", "hubspot_search"): part of the
  // keys and the `limit` metric label. Throws std::invalid_argument for an
  // empty name or window list, a limit < 1 or a length < 1 ms.
  Limiter(redis::Client& redis, std::string name, std::vector<Window> windows);

  // One try: grants a slot now (and counts it in every window) or says how
  // long to wait. Throws redis::Error; a grant whose answer was lost to a
  // broken connection is not retried (it may have been counted).
  Decision acquire(const std::string& key);

  // Tries until granted, sleeping between tries, for at most `max_wait`.
  // Returns at once (denied) when the known wait already exceeds what is
  // left of `max_wait`, so an exhausted budget does not hold a thread.
  Decision wait_acquire(const std::string& key, std::chrono::milliseconds max_wait);

  // The API said 429 / Retry-After: no replica gets a slot for this key until
  // `retry_after` has passed. A shorter penalty never shortens a longer one.
  void penalize(const std::string& key, std::chrono::milliseconds retry_after);

  Usage usage(const std::string& key);

  const std::string& name() const { return name_; }
  const std::vector<Window>& windows() const { return windows_; }

  // The Redis keys of `key` (tests and admin tools).
  std::string log_key(const std::string& key) const;
  std::string block_key(const std::string& key) const;

 private:
  std::vector<std::string> window_args() const;

  redis::Client& redis_;
  std::string name_;
  std::vector<Window> windows_;
  std::string instance_;  // random; with counter_ makes each grant's member unique
  std::atomic<uint64_t> counter_{0};
  prometheus::Counter* granted_;
  prometheus::Counter* throttled_;
  prometheus::Counter* exhausted_decisions_;
  prometheus::Counter* penalized_;
  prometheus::Counter* exhausted_;  // hbsync_ratelimit_exhausted_total
  prometheus::Counter* penalties_;
};

}  // namespace hbsync::ratelimit
