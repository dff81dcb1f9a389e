// The deal id kept in the board project's 管理番号 (SPEC F3.5), so a crash
// between creating a project and recording its link is recovered by finding
// the project (management_no_eq) instead of creating a second one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "hbsync/domain/validation.hpp"

namespace hbsync::domain {

inline constexpr std::string_view kDefaultManagementNoPrefix = "HS-";

struct ManagementNoSettings {
  bool enabled = true;
  std::string prefix{kDefaultManagementNoPrefix};

  bool operator==(const ManagementNoSettings&) const = default;
};

// "<prefix><dealId>" ("HS-123"), or nullopt when turned off or the id is not
// a positive HubSpot id.
std::optional<std::string> management_no_for_deal(int64_t deal_id,
                                                  const ManagementNoSettings& settings);

// The deal id in a management_no written with `prefix`: the prefix exactly,
// then a positive decimal number without sign or leading zeros that fits
// int64. Anything else (a number a user typed, "HS-007") is nullopt, so a
// project this app did not create is never taken for one it did.
std::optional<int64_t> deal_id_from_management_no(
    std::string_view management_no, std::string_view prefix = kDefaultManagementNoPrefix);

// The prefix must be 1..20 printable ASCII characters without spaces and must
// not end in a digit (or "HS-1" + "23" and "HS-12" + "3" would collide). An
// empty prefix is refused even when turned off, so turning it on later cannot
// make every numeric 管理番号 look like a deal id. Path: "<field>.prefix".
ValidationErrors validate_management_no_settings(const ManagementNoSettings& settings,
                                                 std::string_view field = "management_no");

}  // namespace hbsync::domain
