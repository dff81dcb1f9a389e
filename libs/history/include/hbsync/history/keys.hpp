// Redis key names of the history area, in one place (docs/architecture.md
// "Redis"). Per-tenant, so built on the tenant area's prefix.
#pragma once

#include <string>
#include <string_view>

#include "hbsync/tenant/keys.hpp"

namespace hbsync::history::keys {

// Capped stream of a tenant's sync outcomes: hbsync:tenant:<id>:history
inline std::string stream(std::string_view tenant_id) {
  return tenant::keys::tenant(tenant_id, "history");
}

}  // namespace hbsync::history::keys
