// Redis key names of the tenant area and of the data set as a whole, in one
// place (docs/architecture.md "Redis keys" lists them). Other areas build
// their per-tenant keys on tenant(), e.g. the writer's links and History.
#pragma once

#include <string>
#include <string_view>

namespace hbsync::tenant::keys {

inline constexpr const char* kTenants = "hbsync:tenants";                 // set of tenant ids
inline constexpr const char* kTenantsVersion = "hbsync:tenants:version";  // counter
inline constexpr const char* kChangesChannel = "hbsync:tenants:changed";  // pub/sub
// Random id of this Redis data set: its absence means Redis lost its data.
inline constexpr const char* kInstance = "hbsync:instance";

// The readiness loop's small write, one per service.
inline std::string probe(std::string_view service) {
  return "hbsync:probe:" + std::string(service);
}

// hbsync:tenant:<id>:<suffix>
inline std::string tenant(std::string_view tenant_id, std::string_view suffix) {
  return "hbsync:tenant:" + std::string(tenant_id) + ":" + std::string(suffix);
}
inline std::string settings(std::string_view tenant_id) {
  return tenant(tenant_id, "settings");
}
inline std::string secrets(std::string_view tenant_id) {
  return tenant(tenant_id, "secrets");
}
inline std::string meta(std::string_view tenant_id) {
  return tenant(tenant_id, "meta");
}
inline std::string board_users(std::string_view tenant_id) {
  return tenant(tenant_id, "board_users");
}

}  // namespace hbsync::tenant::keys
