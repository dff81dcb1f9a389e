// Redis key names of the links, in one place (docs/architecture.md "Redis
// keys"). links.hpp describes what each hash holds.
#pragma once

#include <string>
#include <string_view>

#include "hbsync/tenant/keys.hpp"

namespace hbsync::links::keys {

// The four hashes of a tenant, one per direction.
namespace kind {
inline constexpr std::string_view company = "company";  // companyId -> client
inline constexpr std::string_view client = "client";    // clientId -> companyId
inline constexpr std::string_view deal = "deal";        // dealId -> project and state
inline constexpr std::string_view project = "project";  // projectId -> dealId
}  // namespace kind

// hbsync:tenant:<t>:links:<kind>
inline std::string links(std::string_view tenant_id, std::string_view kind) {
  return tenant::keys::tenant(tenant_id, "links:" + std::string(kind));
}
inline std::string company(std::string_view tenant_id) {
  return links(tenant_id, kind::company);
}
inline std::string client(std::string_view tenant_id) {
  return links(tenant_id, kind::client);
}
inline std::string deal(std::string_view tenant_id) {
  return links(tenant_id, kind::deal);
}
inline std::string project(std::string_view tenant_id) {
  return links(tenant_id, kind::project);
}

}  // namespace hbsync::links::keys
