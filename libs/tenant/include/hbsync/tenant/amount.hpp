// A deal amount in flight and at rest (SPEC F4.4, F9): never in clear. In a
// command and in the writer's outbox it is sealed with the tenant keyring,
// bound to the tenant and deal; with the link only its keyed digest is kept.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "hbsync/tenant/crypto.hpp"

namespace hbsync::tenant {

std::string seal_amount(const Keyring& keyring, std::string_view tenant_id, int64_t deal_id,
                        std::string_view amount);
// nullopt when it cannot be opened (key retired, altered, another deal).
std::optional<std::string> open_amount(const Keyring& keyring, std::string_view tenant_id,
                                       int64_t deal_id, std::string_view sealed);
// Keyring::digest of the amount for this tenant and deal.
std::string amount_digest(const Keyring& keyring, std::string_view tenant_id, int64_t deal_id,
                          std::string_view amount);

}  // namespace hbsync::tenant
