#include "hbsync/domain/owner.hpp"

#include <algorithm>

#include "hbsync/domain/text.hpp"

namespace hbsync::domain {

std::string_view to_string(UserRule rule) {
  switch (rule) {
    case UserRule::owner_email:
      return "owner_email";
    case UserRule::default_user:
      return "default_user";
    case UserRule::no_user:
      return "no_user";
  }
  return "no_user";
}

bool same_email(std::string_view a, std::string_view b) {
  return ascii_lower(trim_spaces(a)) == ascii_lower(trim_spaces(b));
}

UserResolution resolve_board_user(std::optional<std::string_view> owner_email,
                                  std::span<const BoardUser> users,
                                  std::optional<int64_t> default_user_id) {
  if (owner_email && !trim_spaces(*owner_email).empty()) {
    std::optional<int64_t> match;
    for (const auto& u : users) {
      if (u.valid && same_email(u.email, *owner_email) && (!match || u.id < *match)) {
        match = u.id;
      }
    }
    if (match) return {match, UserRule::owner_email};
  }
  if (default_user_id) return {default_user_id, UserRule::default_user};
  return {std::nullopt, UserRule::no_user};
}

ValidationErrors validate_default_board_user(std::optional<int64_t> default_user_id,
                                             std::string_view field) {
  if (!default_user_id) {
    return {{std::string(field), "required",
             "既定の担当者 (board ユーザー) が設定されていません。HubSpot の取引担当者と同じ"
             "メールアドレスの board ユーザーがいないときに使います。"}};
  }
  if (*default_user_id <= 0) {
    return {{std::string(field), "invalid",
             "既定の担当者の board ユーザー ID " + std::to_string(*default_user_id) +
                 " は正しくありません。"}};
  }
  return {};
}

ValidationErrors validate_default_board_user(std::optional<int64_t> default_user_id,
                                             std::span<const BoardUser> users,
                                             std::string_view field) {
  ValidationErrors errors = validate_default_board_user(default_user_id, field);
  if (!errors.empty()) return errors;
  const auto it = std::find_if(users.begin(), users.end(),
                               [&](const BoardUser& u) { return u.id == *default_user_id; });
  if (it == users.end()) {
    errors.push_back({std::string(field), "unknown_user",
                      "既定の担当者の board ユーザー ID " + std::to_string(*default_user_id) +
                          " は board にいません。"});
  } else if (!it->valid) {
    errors.push_back({std::string(field), "inactive_user",
                      "既定の担当者の board ユーザー ID " + std::to_string(*default_user_id) +
                          " は無効なユーザーです。"});
  }
  return errors;
}

}  // namespace hbsync::domain
