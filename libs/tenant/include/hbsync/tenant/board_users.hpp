// The tenant's board users (GET /v1/users: id, e-mail, valid flag), cached in
// Redis for the mapper's 担当者 rule (SPEC F3.5, domain/owner.hpp), so that a
// tenant's first deal costs no users list call and every mapper replica
// shares one copy. `hbsync-ctl tenant apply` stores the list when the tenant
// is applied; the mapper reads it and refreshes it from board (when:
// services/mapper/handler.hpp).
//
// E-mails are personal data (SPEC F9): the list is stored sealed with the
// tenant keyring (AES-256-GCM, crypto.hpp), bound to the tenant:
//   hbsync:tenant:<id>:board_users   string: envelope of
//     {"fetched_at_ms":<epoch ms>,"users":[{"id":101,"email":"...","valid":true},...]}
// A list that cannot be opened (its key retired, altered, another tenant's)
// reads as none stored: the caller asks board again.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hbsync/domain/owner.hpp"
#include "hbsync/redis/redis.hpp"
#include "hbsync/tenant/crypto.hpp"

namespace hbsync::tenant {

struct BoardUsers {
  std::vector<domain::BoardUser> users{};
  int64_t fetched_at_ms = 0;  // when board answered (epoch ms)
};

std::string board_users_key(const std::string& tenant_id);

// Throws redis::Error; std::logic_error on an empty keyring.
void save_board_users(redis::Client& redis, const Keyring& keyring, const std::string& tenant_id,
                      const BoardUsers& users);

// nullopt when none is stored or it cannot be opened. Throws redis::Error.
std::optional<BoardUsers> load_board_users(redis::Client& redis, const Keyring& keyring,
                                           const std::string& tenant_id);

}  // namespace hbsync::tenant
