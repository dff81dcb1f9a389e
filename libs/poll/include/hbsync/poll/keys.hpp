// Redis key names of the board -> HubSpot poller (docs/architecture.md,
// "Redis keys"). Ids, codes, counts and times only (SPEC F9).
#pragma once

#include <string>
#include <string_view>

#include "hbsync/tenant/keys.hpp"

namespace hbsync::poll::keys {

// Hash: daily / daily_sig / interval / interval_sig: the next scheduled run
// (epoch ms) and the schedule it was computed from; moved by CAS.
inline std::string next_run(std::string_view tenant_id) {
  return tenant::keys::tenant(tenant_id, "poll:next");
}
// String, PX: the one run of the tenant (redis::Lease); <key>:fence its counter.
inline std::string run_lease(std::string_view tenant_id) {
  return "hbsync:lease:poll:" + std::string(tenant_id);
}
// Hash: projects / invoices (epoch ms of the newest updated_at seen),
// full_ms (start of the last complete full reconcile), fence.
inline std::string watermarks(std::string_view tenant_id) {
  return tenant::keys::tenant(tenant_id, "poll:watermarks");
}
// Hash: project id -> its last seen state (order status, updated_at, the
// invoices' ids, statuses and updated_at; codes only, no amounts).
inline std::string projects(std::string_view tenant_id) {
  return tenant::keys::tenant(tenant_id, "poll:projects");
}
// Hash: the last run's status (status.hpp).
inline std::string status(std::string_view tenant_id) {
  return tenant::keys::tenant(tenant_id, "poll:status");
}

}  // namespace hbsync::poll::keys
