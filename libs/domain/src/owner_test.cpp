#include "hbsync/domain/owner.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hbsync::domain {
namespace {

std::vector<BoardUser> users() {
  return {
      {10, "sato@example.jp", true},     {11, "Suzuki@Example.JP", true},
      {12, "retired@example.jp", false}, {13, " tanaka@example.jp ", true},
      {20, "shared@example.jp", true},   {14, "shared@example.jp", true},
  };
}

// SPEC F3.5 / seed 取引担当者→担当者: the board user with the owner's e-mail,
// else the tenant's default board user.
TEST(BoardUserTest, OwnerEmailElseDefault) {
  struct Case {
    std::string name;
    std::optional<std::string_view> email;
    std::optional<int64_t> default_id;
    std::optional<int64_t> want_id;
    UserRule want_rule;
  };
  const std::vector<Case> cases = {
      {"exact_match", "sato@example.jp", 99, 10, UserRule::owner_email},
      {"case_insensitive", "SATO@EXAMPLE.JP", 99, 10, UserRule::owner_email},
      {"board_side_mixed_case", "suzuki@example.jp", 99, 11, UserRule::owner_email},
      {"trimmed_both_sides", "  tanaka@example.jp\t", 99, 13, UserRule::owner_email},
      {"invalid_user_not_matched", "retired@example.jp", 99, 99, UserRule::default_user},
      {"no_match_default", "nobody@example.jp", 99, 99, UserRule::default_user},
      {"no_owner_default", std::nullopt, 99, 99, UserRule::default_user},
      {"blank_owner_default", " ", 99, 99, UserRule::default_user},
      {"duplicate_email_smallest_id", "shared@example.jp", 99, 14, UserRule::owner_email},
      {"no_match_no_default", "nobody@example.jp", std::nullopt, std::nullopt, UserRule::no_user},
      {"match_without_default", "sato@example.jp", std::nullopt, 10, UserRule::owner_email},
  };
  const auto list = users();
  for (const auto& c : cases) {
    const auto r = resolve_board_user(c.email, list, c.default_id);
    EXPECT_EQ(r.user_id, c.want_id) << c.name;
    EXPECT_EQ(r.rule, c.want_rule) << c.name;
  }
}

TEST(BoardUserTest, RuleNames) {
  EXPECT_EQ(to_string(UserRule::owner_email), "owner_email");
  EXPECT_EQ(to_string(UserRule::default_user), "default_user");
  EXPECT_EQ(to_string(UserRule::no_user), "no_user");
}

TEST(BoardUserTest, NoUnicodeCaseFolding) {
  EXPECT_TRUE(same_email("A@B.JP", "a@b.jp"));
  EXPECT_FALSE(same_email("ＳＡＴＯ@example.jp", "ｓａｔｏ@example.jp"));
}

TEST(DefaultBoardUserValidationTest, Rules) {
  const auto list = users();
  EXPECT_TRUE(validate_default_board_user(10, list).empty());
  EXPECT_TRUE(validate_default_board_user(10).empty());
  struct Case {
    std::string name;
    std::optional<int64_t> id;
    std::string code;
  };
  const std::vector<Case> cases = {
      {"missing", std::nullopt, "required"},
      {"zero", 0, "invalid"},
      {"unknown", 77, "unknown_user"},
      {"inactive", 12, "inactive_user"},
  };
  for (const auto& c : cases) {
    const auto errors = validate_default_board_user(c.id, list);
    ASSERT_EQ(errors.size(), 1u) << c.name;
    EXPECT_EQ(errors[0].code, c.code) << c.name;
    EXPECT_EQ(errors[0].field, "default_board_user_id") << c.name;
  }
}

}  // namespace
}  // namespace hbsync::domain
