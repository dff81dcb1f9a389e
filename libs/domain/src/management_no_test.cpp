#include "hbsync/domain/management_no.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace hbsync::domain {
namespace {

// SPEC F3.5: management_no = HS-<dealId>, configurable, may be turned off.
TEST(ManagementNoTest, FormatsDealId) {
  EXPECT_EQ(management_no_for_deal(123456789, {}), "HS-123456789");
  EXPECT_EQ(management_no_for_deal(42, {true, "HUB_"}), "HUB_42");
  EXPECT_EQ(management_no_for_deal(42, {false, "HS-"}), std::nullopt);
  EXPECT_EQ(management_no_for_deal(0, {}), std::nullopt);
  EXPECT_EQ(management_no_for_deal(-5, {}), std::nullopt);
}

TEST(ManagementNoTest, ParsesDealIdBack) {
  struct Case {
    std::string text, prefix;
    std::optional<int64_t> want;
  };
  const std::vector<Case> cases = {
      {"HS-123456789", "HS-", 123456789},
      {"HS-9223372036854775807", "HS-", INT64_MAX},
      {"HUB_42", "HUB_", 42},
      {"HS-9223372036854775808", "HS-", std::nullopt},  // overflow
      {"HS-", "HS-", std::nullopt},
      {"HS-007", "HS-", std::nullopt},  // leading zero: not written by us
      {"HS-0", "HS-", std::nullopt},
      {"HS--5", "HS-", std::nullopt},
      {"HS-+5", "HS-", std::nullopt},
      {"HS-12a", "HS-", std::nullopt},
      {"HS-12 ", "HS-", std::nullopt},
      {"hs-12", "HS-", std::nullopt},
      {"12345", "HS-", std::nullopt},  // a number a user typed
      {"X-HS-12", "HS-", std::nullopt},
      {"12345", "", std::nullopt},  // empty prefix never matches
  };
  for (const auto& c : cases) {
    EXPECT_EQ(deal_id_from_management_no(c.text, c.prefix), c.want) << c.text;
  }
}

TEST(ManagementNoTest, RoundTrip) {
  for (int64_t id : std::vector<int64_t>{1, 7, 1234567890123, INT64_MAX}) {
    const ManagementNoSettings s;
    EXPECT_EQ(deal_id_from_management_no(*management_no_for_deal(id, s), s.prefix), id);
  }
}

TEST(ManagementNoValidationTest, Prefix) {
  EXPECT_TRUE(validate_management_no_settings({}).empty());
  EXPECT_TRUE(validate_management_no_settings({false, "HS-"}).empty());
  struct Case {
    std::string prefix, code;
  };
  const std::vector<Case> cases = {
      {"", "required"},
      {"HS 1-", "invalid_character"},
      {"案件-", "invalid_character"},
      {"HS1", "ends_with_digit"},
      {std::string(21, 'X'), "too_long"},
  };
  for (const auto& c : cases) {
    const auto errors = validate_management_no_settings({true, c.prefix});
    ASSERT_EQ(errors.size(), 1u) << c.prefix;
    EXPECT_EQ(errors[0].code, c.code) << c.prefix;
    EXPECT_EQ(errors[0].field, "management_no.prefix");
  }
}

}  // namespace
}  // namespace hbsync::domain
