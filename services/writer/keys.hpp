// Redis key names of the writer (state.hpp describes what they hold).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "hbsync/tenant/keys.hpp"

namespace hbsync::writer::keys {

// Idempotency claim of one command.
inline std::string claim(std::string_view command_id) {
  return "hbsync:idem:" + std::string(command_id);
}
// kind: company, client, deal, project
inline std::string links(std::string_view tenant_id, std::string_view kind) {
  return tenant::keys::tenant(tenant_id, "links:" + std::string(kind));
}
inline std::string company_lock(std::string_view tenant_id, int64_t company_id) {
  return "hbsync:lock:" + std::string(tenant_id) + ":company:" + std::to_string(company_id);
}

}  // namespace hbsync::writer::keys
