// Redis key names of the writer (state.hpp describes what they hold; the
// links' are in hbsync/links/keys.hpp).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace hbsync::writer::keys {

// Idempotency claim of one command.
inline std::string claim(std::string_view command_id) {
  return "hbsync:idem:" + std::string(command_id);
}
// The board -> HubSpot deal updates waiting for a batch call (outbox.hpp).
inline std::string deal_outbox(std::string_view tenant_id) {
  return "hbsync:tenant:" + std::string(tenant_id) + ":outbox:deals";
}
// Tenants with waiting deal updates, scored by when their batch is due.
inline constexpr const char* kDealOutboxDue = "hbsync:outbox:deals:due";
// The one flusher of a tenant's outbox across replicas (a redis::Lease).
inline std::string deal_outbox_lock(std::string_view tenant_id) {
  return "hbsync:lock:" + std::string(tenant_id) + ":outbox:deals";
}
inline std::string company_lock(std::string_view tenant_id, int64_t company_id) {
  return "hbsync:lock:" + std::string(tenant_id) + ":company:" + std::to_string(company_id);
}

}  // namespace hbsync::writer::keys
