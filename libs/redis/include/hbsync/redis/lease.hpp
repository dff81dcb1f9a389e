// A distributed lease (mutual exclusion with a time limit) on one Redis key:
//   <key>   string, the holder's token, PX = ttl
// Taken with SET NX PX; renewed and released only by the holder, with a
// compare-and-set Lua script, so a holder whose lease ran out (and was taken
// over by another) can neither extend nor delete the new holder's lease.
// held() is the fencing check: is the lease still this token's?
//
// try_acquire_fenced() also draws a fencing number: every successful take
// increments the counter <key>:fence (kept without expiry) in the same
// script, so each holder in turn gets a larger number. Writes guarded by the
// lease can store the number and refuse one smaller than stored (a holder
// that was paused past its ttl and woke up after a takeover).
//
// Used by the writer's company lock, the HubSpot token-refresh lease and the
// poller's per-tenant run lease (fenced).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "hbsync/redis/redis.hpp"

namespace hbsync::redis {

class Lease {
 public:
  using Clock = std::chrono::steady_clock;

  // `client` must outlive the Lease. `token` identifies the holder (default:
  // a random one, see random_token()).
  Lease(Client& client, std::string key, std::chrono::milliseconds ttl,
        std::string token = random_token());

  // 16 random bytes, hex.
  static std::string random_token();

  // One SET NX PX: true when taken; false while anyone (this token too) holds it.
  bool try_acquire();
  // SET NX PX and, when taken, INCR <key>:fence in one script: the fencing
  // number of this holding (> every earlier one), or nullopt when not taken.
  std::optional<int64_t> try_acquire_fenced();
  // Tries until taken (true), until `deadline` (false) or until `give_up`
  // returns true (false); `give_up` is asked before every attempt, e.g. to
  // see whether the work the lease guards was done by its holder meanwhile.
  bool acquire(Clock::time_point deadline, std::chrono::milliseconds poll,
               const std::function<bool()>& give_up = {});
  // Extends the lease by ttl from now; false when it is no longer ours.
  bool renew();
  // Deletes the lease if it is still ours; false when it was not.
  bool release();
  // Fencing check: true while the key holds this token.
  bool held();

  const std::string& key() const { return key_; }
  const std::string& token() const { return token_; }
  std::chrono::milliseconds ttl() const { return ttl_; }
  // The number drawn by the last successful try_acquire_fenced() (0: none).
  int64_t fence() const { return fence_; }
  // The counter's key: <key>:fence.
  std::string fence_key() const { return key_ + ":fence"; }

 private:
  Client& client_;
  std::string key_;
  std::chrono::milliseconds ttl_;
  std::string token_;
  int64_t fence_ = 0;
};

}  // namespace hbsync::redis
