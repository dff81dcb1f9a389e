// Which HubSpot portals are tenants, answered from memory on the webhook hot
// path; the HTTP threads never wait on Redis.
//
// The set of tenants is reloaded from Redis periodically (so removals are
// seen). A portal not in memory is looked up by the directory's own lookup
// thread, batched (one pipeline for every portal waiting) and with a short
// timeout (HBSYNC_INGRESS_TENANT_LOOKUP_TIMEOUT) on its own connection, so
// a tenant provisioned a second ago is never mistaken for a stranger. A
// stranger is remembered for HBSYNC_INGRESS_TENANT_NEGATIVE_TTL (or until a
// reload finds it), so a flood of unknown portals costs Redis nothing.
// A lookup that cannot be answered in time fails: the webhook gets 503 and
// HubSpot retries it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "hbsync/redis/redis.hpp"

namespace hbsync::ingress {

struct DirectoryOptions {
  std::chrono::milliseconds refresh_interval{10000};  // HBSYNC_INGRESS_TENANT_REFRESH
  std::chrono::milliseconds lookup_timeout{300};      // HBSYNC_INGRESS_TENANT_LOOKUP_TIMEOUT
  std::chrono::milliseconds negative_ttl{10000};      // HBSYNC_INGRESS_TENANT_NEGATIVE_TTL
  size_t max_pending = 1024;      // lookups waiting at most; beyond, they fail at once
  size_t max_strangers = 100000;  // negative cache entries at most
};

class TenantDirectory {
 public:
  // `redis` serves the periodic reload; `lookups` the lookups of portals not
  // in memory (its command timeout should be lookup_timeout). Both must
  // outlive the directory.
  TenantDirectory(redis::Client& redis, redis::Client& lookups, DirectoryOptions options);
  ~TenantDirectory();

  // From memory only: true (tenant), false (stranger, remembered) or nullopt
  // (not known either way: resolve() it).
  std::optional<bool> cached(int64_t portal_id);

  // Answers for `portals` (portal -> tenant?), or nullopt when Redis could
  // not answer within the lookup timeout (or too many lookups are waiting).
  // `done` is called exactly once, on the lookup thread or, when everything
  // is in memory already, at once on the caller's.
  using Answers = std::unordered_map<int64_t, bool>;
  void resolve(std::vector<int64_t> portals, std::function<void(std::optional<Answers>)> done);

  bool reload();
  // Worker body: reloads every refresh_interval and serves lookups until
  // stop().
  void run();
  void stop();

 private:
  struct Pending {
    std::vector<int64_t> portals;
    std::function<void(std::optional<Answers>)> done;
    std::chrono::steady_clock::time_point deadline;
  };
  std::optional<Answers> from_memory(const std::vector<int64_t>& portals);
  void lookup_loop();
  void serve(std::vector<Pending> batch);
  bool ask_redis(const std::vector<int64_t>& portals);
  void remember_stranger(int64_t portal_id);

  redis::Client& redis_;
  redis::Client& lookups_;
  DirectoryOptions options_;

  std::shared_mutex set_mutex_;
  std::unordered_set<int64_t> tenants_;
  std::unordered_map<int64_t, std::chrono::steady_clock::time_point> strangers_;  // -> expiry

  std::mutex mutex_;  // pending_, stopping_
  std::condition_variable wake_;
  std::vector<Pending> pending_;
  bool stopping_ = false;
  bool lookups_failing_ = false;  // lookup thread only: log an outage once
};

}  // namespace hbsync::ingress
