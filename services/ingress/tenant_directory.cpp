#include "tenant_directory.hpp"

#include "hbsync/log/log.hpp"
#include "hbsync/tenant/store.hpp"

namespace hbsync::ingress {

TenantDirectory::TenantDirectory(redis::Client& redis, std::chrono::milliseconds refresh_interval)
    : redis_(redis), refresh_interval_(refresh_interval) {}

std::optional<bool> TenantDirectory::is_tenant(int64_t portal_id) {
  {
    std::shared_lock lock(set_mutex_);
    if (tenants_.count(portal_id)) return true;
  }
  try {
    auto reply =
        redis_.command({"SISMEMBER", tenant::Store::kTenantsKey, std::to_string(portal_id)});
    bool member = reply.is_integer() && reply.integer == 1;
    if (member) {
      std::unique_lock lock(set_mutex_);
      tenants_.insert(portal_id);
    }
    return member;
  } catch (const redis::Error& e) {
    log::warn("tenant lookup failed", {{"error_kind", redis::kind_name(e.kind())}});
    return std::nullopt;
  }
}

bool TenantDirectory::reload() {
  try {
    auto reply = redis_.command({"SMEMBERS", tenant::Store::kTenantsKey});
    std::unordered_set<int64_t> fresh;
    for (const auto& e : reply.elements) {
      try {
        fresh.insert(std::stoll(e.str));
      } catch (const std::exception&) {
        // Tenant ids are portal ids; anything else is not ours to route.
      }
    }
    std::unique_lock lock(set_mutex_);
    tenants_.swap(fresh);
    return true;
  } catch (const redis::Error& e) {
    log::warn("tenant list reload failed", {{"error_kind", redis::kind_name(e.kind())}});
    return false;
  }
}

void TenantDirectory::run() {
  std::unique_lock lock(stop_mutex_);
  while (!stopping_) {
    lock.unlock();
    reload();
    lock.lock();
    stop_cv_.wait_for(lock, refresh_interval_, [this] { return stopping_; });
  }
}

void TenantDirectory::stop() {
  {
    std::lock_guard lock(stop_mutex_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
}

}  // namespace hbsync::ingress
