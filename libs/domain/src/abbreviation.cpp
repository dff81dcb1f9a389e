#include "hbsync/domain/abbreviation.hpp"

#include <algorithm>
#include <set>

#include "hbsync/domain/text.hpp"

namespace hbsync::domain {
namespace {

// Trimmed, sanitized, non-empty, longest first. Sanitizing the words too keeps
// every match on character boundaries: a valid UTF-8 word that matches a
// valid UTF-8 string at either end always starts and ends on a boundary.
std::vector<std::string> prepare_words(std::span<const std::string> words) {
  std::vector<std::string> out;
  for (const auto& w : words) {
    std::string clean = sanitize_utf8(w);
    std::string_view trimmed = trim_spaces(clean);
    if (!trimmed.empty()) out.emplace_back(trimmed);
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  return out;
}

}  // namespace

std::vector<std::string> default_abbreviation_words() {
  return {"株式会社", "合同会社", "有限会社"};
}

std::string abbreviate_company_name(std::string_view name, std::span<const std::string> words) {
  const std::string clean = sanitize_utf8(name);
  const std::string_view full = trim_spaces(clean);
  const std::vector<std::string> list = prepare_words(words);

  std::string_view rest = full;
  for (bool removed = true; removed && !rest.empty();) {
    removed = false;
    for (const auto& w : list) {
      if (rest.starts_with(w)) {
        rest = trim_spaces(rest.substr(w.size()));
        removed = true;
        break;
      }
      if (rest.ends_with(w)) {
        rest = trim_spaces(rest.substr(0, rest.size() - w.size()));
        removed = true;
        break;
      }
    }
  }
  return std::string(rest.empty() ? full : rest);
}

std::string abbreviate_company_name(std::string_view name) {
  static const std::vector<std::string> defaults = default_abbreviation_words();
  return abbreviate_company_name(name, defaults);
}

ValidationErrors validate_abbreviation_words(std::span<const std::string> words,
                                             std::string_view field) {
  ValidationErrors errors;
  std::set<std::string_view> seen;
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string path = std::string(field) + "[" + std::to_string(i) + "]";
    if (!is_valid_utf8(words[i])) {
      errors.push_back(
          {path, "invalid_utf8",
           "略称ルールの語に不正な文字コード (UTF-8 ではないバイト) が含まれています。"});
      continue;
    }
    const std::string_view word = trim_spaces(words[i]);
    if (word.empty()) {
      errors.push_back({path, "empty",
                        "略称ルールの語が空です。取り除く語 (例: 株式会社) を入力してください。"});
      continue;
    }
    if (!seen.insert(word).second) {
      errors.push_back(
          {path, "duplicate", "略称ルールの語「" + std::string(word) + "」が重複しています。"});
    }
  }
  return errors;
}

}  // namespace hbsync::domain
