// 顧客略称 (board client name_disp) from a company name (SPEC F3.3, F6.2):
// legal-form words such as 株式会社 are removed from either end of the name.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hbsync/domain/validation.hpp"

namespace hbsync::domain {

// 株式会社, 合同会社, 有限会社 (the original app's list).
std::vector<std::string> default_abbreviation_words();

// Rules, in order:
// - invalid UTF-8 bytes are first replaced by U+FFFD (the result goes into
//   board's JSON, which must be valid UTF-8);
// - ASCII and full-width spaces are trimmed from both ends;
// - while the name starts or ends with a listed word, that word is removed and
//   the spaces next to it trimmed; so "有限会社 ABC 株式会社" loses both, and a
//   word repeated at one end ("株式会社株式会社ABC") is removed each time;
//   longer words are tried first so a list holding both 会社 and 株式会社
//   removes the whole 株式会社;
// - a word in the middle of the name is kept ("ABC株式会社DEF" is unchanged);
//   forms not in the list ("(株)ABC", "㈱ABC") are unchanged;
// - if nothing is left, the result is the full name (sanitized and trimmed),
//   so a company called just "株式会社" keeps that as its abbreviation.
// Words are trimmed too; empty words are ignored.
std::string abbreviate_company_name(std::string_view name, std::span<const std::string> words);
// With default_abbreviation_words().
std::string abbreviate_company_name(std::string_view name);

// Settings check for the word list: every word non-empty after trimming,
// valid UTF-8, listed once. An empty list is allowed (no abbreviation).
// Paths are "<field>[<index>]".
ValidationErrors validate_abbreviation_words(std::span<const std::string> words,
                                             std::string_view field = "abbreviation_words");

}  // namespace hbsync::domain
