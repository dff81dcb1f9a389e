// The one retry policy for all outbound work (HTTP calls, Kafka redelivery,
// Redis): capped exponential backoff with full jitter, a total time budget,
// and the server's Retry-After honoured.
//
// Full jitter (uniform in [0, cap]) keeps many workers that failed together
// from retrying together; the time budget bounds how long one piece of work
// can hold a partition or a request slot however the attempts are spaced.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>

#include "hbsync/config/config.hpp"

namespace hbsync::retry {

struct Policy {
  int max_attempts = 8;  // total attempts including the first
  std::chrono::milliseconds initial_delay{200};
  std::chrono::milliseconds max_delay{30000};
  // Give up once this much time has passed since the first attempt.
  std::chrono::milliseconds max_elapsed{300000};
  double multiplier = 2.0;

  // Reads <prefix>_MAX_ATTEMPTS, <prefix>_INITIAL_DELAY, <prefix>_MAX_DELAY
  // and <prefix>_MAX_ELAPSED; unset variables take `defaults`' values (this
  // struct's when not given: two overloads because a default argument of the
  // class's own type cannot be written inside it).
  static Policy load(config::Loader& loader, const std::string& prefix = "HBSYNC_RETRY");
  static Policy load(config::Loader& loader, const std::string& prefix, Policy defaults);
};

using Clock = std::function<std::chrono::steady_clock::time_point()>;

// Seed taken from std::random_device; tests pass a fixed one.
uint64_t random_seed();

// The delay schedule of one piece of work. Not thread-safe: one per piece of
// work in flight.
class Backoff {
 public:
  explicit Backoff(Policy policy, Clock clock = std::chrono::steady_clock::now,
                   uint64_t seed = random_seed());

  // Call after a failed attempt. Returns the delay before the next attempt, or
  // nullopt to give up (attempts or time exhausted). The delay is uniform in
  // [0, min(max_delay, initial_delay * multiplier^(n-1))] for the n-th
  // failure; a Retry-After raises it to at least that value (even above
  // max_delay), and gives up if waiting it would pass max_elapsed.
  std::optional<std::chrono::milliseconds> next(
      std::optional<std::chrono::milliseconds> retry_after = std::nullopt);

  int attempts() const { return failures_; }  // failed attempts so far
  // Starts over, as for a new piece of work (the time budget restarts too).
  void reset();

  const Policy& policy() const { return policy_; }

 private:
  std::chrono::milliseconds cap(int failure) const;

  Policy policy_;
  Clock clock_;
  std::mt19937_64 rng_;
  int failures_ = 0;
  std::chrono::steady_clock::time_point started_;
};

// Parses an HTTP Retry-After value: delta-seconds or an HTTP-date
// (IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT"). nullopt if malformed; a
// negative number or a date in the past gives 0.
std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value,
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

// Outcome of one attempt for run().
struct Outcome {
  enum Kind { success, retryable, permanent } kind = success;
  std::optional<std::chrono::milliseconds> retry_after;
  std::string reason;  // for logs; must not carry secrets or payloads

  static Outcome ok() { return {success, std::nullopt, {}}; }
  static Outcome retry(std::string reason,
                       std::optional<std::chrono::milliseconds> retry_after = std::nullopt) {
    return {retryable, retry_after, std::move(reason)};
  }
  static Outcome fail(std::string reason) { return {permanent, std::nullopt, std::move(reason)}; }
};

struct RunResult {
  Outcome last;
  int attempts = 0;  // attempts made, including the first
};

using Sleeper = std::function<void(std::chrono::milliseconds)>;
void sleep_for(std::chrono::milliseconds delay);  // std::this_thread::sleep_for

// Runs fn (attempt numbers start at 1) until it succeeds, fails permanently,
// or the policy gives up, sleeping between attempts. Returns the last outcome:
// a `retryable` one means the policy gave up.
RunResult run(const Policy& policy, const std::function<Outcome(int attempt)>& fn,
              const Sleeper& sleep = sleep_for, Clock clock = std::chrono::steady_clock::now);

}  // namespace hbsync::retry
