// 担当者 of a new board project (SPEC F3.5): the board user with the HubSpot
// deal owner's e-mail, else the tenant's default board user (F6.4).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "hbsync/domain/validation.hpp"

namespace hbsync::domain {

// One entry of board's GET /v1/users.
struct BoardUser {
  int64_t id = 0;
  std::string email;
  bool valid = true;  // valid_flg == 1
};

enum class UserRule {
  owner_email,   // a valid board user has the owner's e-mail
  default_user,  // no match (or no owner): the tenant's default user
  no_user,       // no match and no default configured: the project cannot be created
};
std::string_view to_string(UserRule rule);  // "owner_email", "default_user", "no_user"

struct UserResolution {
  std::optional<int64_t> user_id;
  UserRule rule = UserRule::no_user;
};

// E-mails compare after trimming spaces and ASCII lower-casing (domains are
// case-insensitive and in practice so are mailboxes; Unicode case folding is
// deliberately not applied). Users with valid == false never match. If several
// valid users share the e-mail, the smallest id wins (a stable answer). An
// empty or missing owner e-mail goes to the default user.
UserResolution resolve_board_user(std::optional<std::string_view> owner_email,
                                  std::span<const BoardUser> users,
                                  std::optional<int64_t> default_user_id);

bool same_email(std::string_view a, std::string_view b);

// F6.4 check: the default user is set, positive and, when the user list is
// given, an existing valid user. Path: `field`.
ValidationErrors validate_default_board_user(std::optional<int64_t> default_user_id,
                                             std::span<const BoardUser> users,
                                             std::string_view field = "default_board_user_id");
ValidationErrors validate_default_board_user(std::optional<int64_t> default_user_id,
                                             std::string_view field = "default_board_user_id");

}  // namespace hbsync::domain
