// What the writer keeps in Redis (SPEC F9: ids and link state only):
//
// Idempotency claims, hash `hbsync:idem:<command_id>`:
//   state    processing | done | failed
//   owner    the writer (process + consumer) holding or last holding it
//   until    lease end, epoch ms of the Redis server clock (0: released)
//   claims   how many times it was claimed: > 1 means an earlier attempt may
//            have acted half way (look before creating)
//   outcome  a short code once done
// A command is applied when its claim is taken; a duplicate finds it done; a
// writer that crashed leaves `processing` whose lease runs out, so another
// one takes it over (claims 2). While a writer works on a command a keeper
// thread renews the lease (and the company lock) every third of it, and the
// writer checks the keeper before every API call: a renewal that found
// another owner, or none succeeding for two periods, stops the work (fencing). A command that
// failed for good is claimed again only by an operator's replay (`hbsync-ctl dlq replay`). Done
// claims expire after the idempotency TTL (7 days by default: longer than HubSpot retries a
// webhook, and than Kafka keeps a message).
//
// Links live in libs/links (hbsync::links::Links).
//
// Company locks `hbsync:lock:<t>:company:<companyId>` (a redis::Lease whose
// token is the writer's owner id): two deals of one company handled at once on two
// partitions must not both create its client.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "hbsync/links/links.hpp"
#include "hbsync/redis/lease.hpp"
#include "hbsync/redis/redis.hpp"

namespace hbsync::writer {

using links::CompanyLink;
using links::DealLink;

struct Claim {
  // failed: dead-lettered earlier; only a replay may claim it again.
  enum class State { claimed, done, failed, busy } state = State::busy;
  int64_t claims = 0;       // including this one when claimed
  std::string outcome;      // when done
  int64_t retry_in_ms = 0;  // when busy: until the holder's lease ends
};

class State {
 public:
  struct Options {
    std::chrono::milliseconds claim_lease{std::chrono::seconds(60)};
    std::chrono::milliseconds idempotency_ttl{std::chrono::hours(24 * 7)};
    std::chrono::milliseconds lock_lease{std::chrono::seconds(60)};
  };

  // `redis` must outlive the State.
  State(redis::Client& redis, Options options);

  static std::string claim_key(std::string_view command_id);

  // All throw redis::Error when Redis fails.
  // `replay`: an operator's replay of a dead letter, which may claim a
  // command that failed for good; any other delivery of it finds it failed.
  Claim claim(const std::string& command_id, const std::string& owner, bool replay = false);
  // False when the claim is no longer this owner's (its lease ran out and
  // another writer took it): stop, do not write anything more.
  bool renew(const std::string& command_id, const std::string& owner);
  // Applied: duplicates will find it done.
  void complete(const std::string& command_id, const std::string& owner,
                const std::string& outcome);
  // Failed for good (dead-lettered): only a replay claims it again.
  void fail(const std::string& command_id, const std::string& owner, const std::string& reason);
  // Will be retried: claimable again at once (by anyone), claims kept.
  void release(const std::string& command_id, const std::string& owner);

  // True when taken. The owner must release it.
  bool try_lock_company(const std::string& tenant, int64_t company_id, const std::string& owner);
  // Extends a held lock by its lease; false when it is no longer the owner's.
  bool renew_company_lock(const std::string& tenant, int64_t company_id, const std::string& owner);
  void unlock_company(const std::string& tenant, int64_t company_id, const std::string& owner);

 private:
  // The writer's own id is the lease token.
  redis::Lease company_lock(const std::string& tenant, int64_t company_id,
                            const std::string& owner);

  redis::Client& redis_;
  Options options_;
};

}  // namespace hbsync::writer
