#include "hbsync/domain/management_no.hpp"

#include <charconv>

#include "hbsync/domain/text.hpp"

namespace hbsync::domain {

std::optional<std::string> management_no_for_deal(int64_t deal_id,
                                                  const ManagementNoSettings& settings) {
  if (!settings.enabled || deal_id <= 0) return std::nullopt;
  return settings.prefix + std::to_string(deal_id);
}

std::optional<int64_t> deal_id_from_management_no(std::string_view management_no,
                                                  std::string_view prefix) {
  if (prefix.empty() || !management_no.starts_with(prefix)) return std::nullopt;
  const std::string_view digits = management_no.substr(prefix.size());
  if (digits.empty() || digits.front() < '1' || digits.front() > '9') return std::nullopt;
  int64_t id = 0;
  const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
  if (ec != std::errc() || ptr != digits.data() + digits.size()) return std::nullopt;
  return id;
}

ValidationErrors validate_management_no_settings(const ManagementNoSettings& settings,
                                                 std::string_view field) {
  const std::string path = std::string(field) + ".prefix";
  const std::string& p = settings.prefix;
  if (p.empty()) {
    return {{path, "required", "管理番号の接頭辞が空です (例: HS-)。"}};
  }
  if (p.size() > 20) {
    return {{path, "too_long", "管理番号の接頭辞は 20 文字以内にしてください。"}};
  }
  for (char c : p) {
    if (c <= ' ' || c > '~') {
      return {{path, "invalid_character",
               "管理番号の接頭辞「" + sanitize_utf8(p) +
                   "」に使えない文字があります。空白を含まない半角英数字・記号にしてください。"}};
    }
  }
  if (p.back() >= '0' && p.back() <= '9') {
    return {{path, "ends_with_digit",
             "管理番号の接頭辞「" + p +
                 "」は数字で終われません。取引 ID との区切りがわからなくなるためです (例: HS-)。"}};
  }
  return {};
}

}  // namespace hbsync::domain
