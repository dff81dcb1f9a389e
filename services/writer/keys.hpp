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
inline std::string company_lock(std::string_view tenant_id, int64_t company_id) {
  return "hbsync:lock:" + std::string(tenant_id) + ":company:" + std::to_string(company_id);
}

}  // namespace hbsync::writer::keys
