// A distributed lease (mutual exclusion with a time limit) on one Redis key:
//   <key>   string, the holder's token, PX = ttl
// Taken with SET NX PX; renewed and released only by the holder, with a
// compare-and-set Lua script, so a holder whose lease ran out (and was taken
// over by another) can neither extend nor delete the new holder's lease.
// held() is the fencing check: is the lease still this token's?
//
// Used by the writer's company lock and the HubSpot token-refresh lease.
#pragma once

#include <chrono>
#include <functional>
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

 private:
  Client& client_;
  std::string key_;
  std::chrono::milliseconds ttl_;
  std::string token_;
};

}  // namespace hbsync::redis
