// Which HubSpot portals are tenants, answered from memory on the webhook hot
// path. The set is reloaded from Redis periodically (so removals are seen);
// a portal not in memory is asked of Redis at once, so a tenant provisioned a
// second ago is never mistaken for a stranger and its events dropped.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <unordered_set>

#include "hbsync/redis/redis.hpp"

namespace hbsync::ingress {

class TenantDirectory {
 public:
  TenantDirectory(redis::Client& redis, std::chrono::milliseconds refresh_interval);

  // nullopt when Redis could not be asked (the caller answers 503).
  std::optional<bool> is_tenant(int64_t portal_id);

  bool reload();
  // Worker body: reloads every refresh_interval until stop().
  void run();
  void stop();

 private:
  redis::Client& redis_;
  std::chrono::milliseconds refresh_interval_;
  std::shared_mutex set_mutex_;
  std::unordered_set<int64_t> tenants_;
  std::mutex stop_mutex_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
};

}  // namespace hbsync::ingress
