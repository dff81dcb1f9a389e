// Redis keys of the console's history and actions (activity_*.cpp), in one
// place (docs/architecture.md "Redis"). Per tenant, ids and times only.
#pragma once

#include <string>
#include <string_view>

#include "hbsync/history/keys.hpp"
#include "hbsync/tenant/keys.hpp"

namespace hbsync::admin::keys {

// Hash request_id, requested_at_ms: the last request of `kind` ("sync_now",
// "bulk_companies") the console published, to show it queued until the
// poller takes it.
inline std::string last_request(std::string_view tenant_id, std::string_view kind) {
  return tenant::keys::tenant(tenant_id, "admin:requested:" + std::string(kind));
}

// Sorted set: history entry id -> epoch ms of its retry from the console
// (kept 30 days, at most 10000 entries).
inline std::string retried(std::string_view tenant_id) {
  return history::keys::stream(tenant_id) + ":retried";
}

// String, PX: an entry's retry in flight or just sent; a second retry of the
// same entry is refused while it lives (activity_retry.hpp kRetryWindow).
inline std::string retry_guard(std::string_view tenant_id, std::string_view entry_id) {
  return history::keys::stream(tenant_id) + ":retry:" + std::string(entry_id);
}

}  // namespace hbsync::admin::keys
