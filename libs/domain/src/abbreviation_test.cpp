#include "hbsync/domain/abbreviation.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "hbsync/domain/text.hpp"

namespace hbsync::domain {
namespace {

struct Case {
  std::string name;  // test case name
  std::string in;
  std::string want;
};

void run(const std::vector<Case>& cases) {
  for (const auto& c : cases) {
    EXPECT_EQ(abbreviate_company_name(c.in), c.want) << c.name;
  }
}

// Seed FAQ: 正式名称から、株式会社・合同会社・有限会社を取り払って連携されます.
TEST(AbbreviationTest, DefaultWordsRemovedAsPrefix) {
  run({
      {"kabushiki_prefix", "株式会社テスト", "テスト"},
      {"godo_prefix", "合同会社サンプル", "サンプル"},
      {"yugen_prefix", "有限会社山田商店", "山田商店"},
  });
}

TEST(AbbreviationTest, DefaultWordsRemovedAsSuffix) {
  run({
      {"kabushiki_suffix", "テスト株式会社", "テスト"},
      {"godo_suffix", "サンプル合同会社", "サンプル"},
      {"yugen_suffix", "山田商店有限会社", "山田商店"},
      {"latin_name", "ABC Holdings株式会社", "ABC Holdings"},
  });
}

// SPEC F3.3: trims ASCII and full-width spaces around what is removed.
TEST(AbbreviationTest, SpacesAroundTheRemovedWordAreTrimmed) {
  run({
      {"ascii_space_after_prefix", "株式会社 テスト", "テスト"},
      {"full_width_space_after_prefix", "株式会社\u3000テスト", "テスト"},
      {"ascii_space_before_suffix", "テスト 株式会社", "テスト"},
      {"full_width_space_before_suffix", "テスト\u3000株式会社", "テスト"},
      {"mixed_spaces", " \u3000株式会社 \u3000 テスト\u3000 ", "テスト"},
      {"spaces_around_whole_name", "  テスト株式会社  ", "テスト"},
      {"inner_space_kept", "株式会社 ABC Japan", "ABC Japan"},
  });
}

TEST(AbbreviationTest, WordInTheMiddleIsKept) {
  run({
      {"middle", "ABC株式会社DEF", "ABC株式会社DEF"},
      {"middle_with_spaces", "ABC 株式会社 DEF", "ABC 株式会社 DEF"},
  });
}

TEST(AbbreviationTest, BothPrefixAndSuffixAreRemoved) {
  run({
      {"prefix_and_suffix", "株式会社テスト合同会社", "テスト"},
      {"with_spaces", "有限会社 テスト 株式会社", "テスト"},
  });
}

// Decision: repetition at one end is removed each time; names are registered
// with double legal forms by mistake more often than on purpose.
TEST(AbbreviationTest, RepeatedWordsAreRemovedEachTime) {
  run({
      {"repeated_prefix", "株式会社株式会社テスト", "テスト"},
      {"repeated_prefix_spaces", "株式会社 株式会社 テスト", "テスト"},
      {"repeated_suffix", "テスト株式会社 株式会社", "テスト"},
  });
}

// SPEC F3.3: falls back to the full name when nothing is left.
TEST(AbbreviationTest, NothingLeftFallsBackToTheFullName) {
  run({
      {"only_word", "株式会社", "株式会社"},
      {"only_word_with_spaces", " 株式会社\u3000", "株式会社"},
      {"two_words", "株式会社 合同会社", "株式会社 合同会社"},
      {"empty", "", ""},
      {"only_spaces", " \u3000 ", ""},
  });
}

TEST(AbbreviationTest, FormsNotInTheListAreUntouched) {
  run({
      {"kakko_kabu", "(株)テスト", "(株)テスト"},
      {"full_width_kakko_kabu", "（株）テスト", "（株）テスト"},
      {"kabu_symbol", "㈱テスト", "㈱テスト"},
      {"suffix_kakko", "テスト(株)", "テスト(株)"},
      {"english_form", "Test Inc.", "Test Inc."},
      {"partial_word", "株式テスト", "株式テスト"},
  });
}

TEST(AbbreviationTest, NameWithoutLegalFormIsOnlyTrimmed) {
  run({
      {"plain", "テスト", "テスト"},
      {"plain_spaces", "\u3000テスト ", "テスト"},
  });
}

// Decision: invalid bytes become U+FFFD (board's JSON must be valid UTF-8) and
// the rules still apply to the rest.
TEST(AbbreviationTest, InvalidUtf8DoesNotCrashAndYieldsValidUtf8) {
  struct BadCase {
    std::string name, in, want;
  };
  const std::vector<BadCase> cases = {
      {"bad_byte_after_prefix",
       "株式会社\xFF"
       "ABC",
       "\uFFFD"
       "ABC"},
      {"valid_single_kanji", "\xE6\xA0\xAA", "\xE6\xA0\xAA"},  // 株, valid
      {"truncated_sequence", "ABC\xE6\xA0", "ABC\uFFFD\uFFFD"},
      {"only_bad", "\xC0\xAF", "\uFFFD\uFFFD"},
      {"latin1_suffix", "caf\xE9株式会社", "caf\uFFFD"},
  };
  for (const auto& c : cases) {
    const std::string out = abbreviate_company_name(c.in);
    EXPECT_EQ(out, c.want) << c.name;
    EXPECT_TRUE(is_valid_utf8(out)) << c.name;
  }
}

// Arbitrary bytes (fragments of words, spaces, broken sequences) never crash
// the rule, and what comes out is always valid UTF-8.
TEST(AbbreviationTest, RandomInputAlwaysGivesValidUtf8) {
  const std::vector<std::string> pieces = {
      "株式会社",
      "合同会社",
      "有限会社",
      " ",
      "\u3000",
      "A",
      "テスト",
      "\xE6",
      "\xA0",
      "\xE3\x80",
      "\xFF",
      "\xC0\xAF",
      "\xF0\x9F\x98\x80",
      "(株)",
      "\t",
      std::string(1, '\0'),
  };
  std::mt19937 rng(12345);
  std::uniform_int_distribution<size_t> pick(0, pieces.size() - 1);
  std::uniform_int_distribution<int> length(0, 8);
  for (int i = 0; i < 20000; ++i) {
    std::string in;
    for (int n = length(rng); n > 0; --n) in += pieces[pick(rng)];
    const std::string out = abbreviate_company_name(in);
    ASSERT_TRUE(is_valid_utf8(out)) << i;
    ASSERT_EQ(out, trim_spaces(out)) << i;
  }
}

TEST(AbbreviationTest, WordListIsConfigurable) {
  const std::vector<std::string> words = {"一般社団法人", " 株式会社 ", "", "Inc."};
  struct WordCase {
    std::string in, want;
  };
  const std::vector<WordCase> cases = {
      {"一般社団法人テスト協会", "テスト協会"},
      {"株式会社テスト", "テスト"},  // listed word was padded with spaces
      {"Test Inc.", "Test"},
      {"合同会社テスト", "合同会社テスト"},  // not in this list
  };
  for (const auto& c : cases) {
    EXPECT_EQ(abbreviate_company_name(c.in, words), c.want) << c.in;
  }
  EXPECT_EQ(abbreviate_company_name("株式会社テスト", std::vector<std::string>{}),
            "株式会社テスト");
}

TEST(AbbreviationTest, LongerWordWinsOverItsSuffix) {
  const std::vector<std::string> words = {"会社", "株式会社"};
  EXPECT_EQ(abbreviate_company_name("テスト株式会社", words), "テスト");
  EXPECT_EQ(abbreviate_company_name("株式会社テスト", words), "テスト");
}

TEST(AbbreviationTest, DefaultWordList) {
  EXPECT_EQ(default_abbreviation_words(),
            (std::vector<std::string>{"株式会社", "合同会社", "有限会社"}));
}

TEST(AbbreviationWordsValidationTest, ReportsEveryBadWord) {
  const std::vector<std::string> words = {"株式会社", " ", "株式会社", "\xFF", "合同会社"};
  const auto errors = validate_abbreviation_words(words);
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0].field, "abbreviation_words[1]");
  EXPECT_EQ(errors[0].code, "empty");
  EXPECT_EQ(errors[1].field, "abbreviation_words[2]");
  EXPECT_EQ(errors[1].code, "duplicate");
  EXPECT_NE(errors[1].message.find("株式会社"), std::string::npos);
  EXPECT_EQ(errors[2].field, "abbreviation_words[3]");
  EXPECT_EQ(errors[2].code, "invalid_utf8");
}

TEST(AbbreviationWordsValidationTest, DefaultsAndEmptyListAreValid) {
  EXPECT_TRUE(validate_abbreviation_words(default_abbreviation_words()).empty());
  EXPECT_TRUE(validate_abbreviation_words(std::vector<std::string>{}).empty());
}

}  // namespace
}  // namespace hbsync::domain
