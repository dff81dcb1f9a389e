#include "hbsync/domain/text.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hbsync::domain {
namespace {

TEST(Utf8Test, ValidityOfSequences) {
  struct Case {
    std::string name;
    std::string text;
    bool valid;
  };
  const std::vector<Case> cases = {
      {"empty", "", true},
      {"ascii", "ABC Corp", true},
      {"japanese", "株式会社テスト", true},
      {"four_byte", "\xF0\x9F\x98\x80", true},
      {"lone_continuation", "\x80", false},
      {"truncated_three_byte", "\xE6\xA0", false},
      {"overlong_slash", "\xC0\xAF", false},
      {"surrogate", "\xED\xA0\x80", false},
      {"above_max", "\xF4\x90\x80\x80", false},
      {"latin1_byte", "caf\xE9", false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(is_valid_utf8(c.text), c.valid) << c.name;
  }
}

TEST(Utf8Test, SanitizeReplacesEachBadByteAndKeepsValidText) {
  EXPECT_EQ(sanitize_utf8("株式会社テスト"), "株式会社テスト");
  EXPECT_EQ(sanitize_utf8("A\xFF"
                          "B"),
            "A\xEF\xBF\xBD"
            "B");
  EXPECT_EQ(sanitize_utf8("\xE6\xA0"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_TRUE(is_valid_utf8(sanitize_utf8("\xC0\xAF\xED\xA0\x80xyz\x80")));
}

TEST(TrimSpacesTest, AsciiAndFullWidthSpacesAtBothEnds) {
  struct Case {
    std::string in, out;
  };
  const std::vector<Case> cases = {
      {"", ""},
      {"   ", ""},
      {"\xE3\x80\x80", ""},
      {" \xE3\x80\x80 ABC\t\xE3\x80\x80\n", "ABC"},
      {"A B", "A B"},
      {"A\xE3\x80\x80"
       "B",
       "A\xE3\x80\x80"
       "B"},  // inner full-width space kept
  };
  for (const auto& c : cases) {
    EXPECT_EQ(trim_spaces(c.in), c.out) << "[" << c.in << "]";
  }
}

TEST(AsciiLowerTest, LowersOnlyAscii) {
  EXPECT_EQ(ascii_lower("Sato@Example.COM"), "sato@example.com");
  EXPECT_EQ(ascii_lower("ＡＢＣ"), "ＡＢＣ");
}

}  // namespace
}  // namespace hbsync::domain
