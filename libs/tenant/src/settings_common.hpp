// Private to libs/tenant: what the JSON reader, writer and the validation of
// Settings share (the secret markers and how JSON paths are spelled).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace hbsync::tenant::detail {

// A secret in tenant.json: "(set)" keeps the stored value, "(not set)" clears it.
inline constexpr std::string_view kSetMarker = "(set)";
inline constexpr std::string_view kNotSetMarker = "(not set)";
// The field of an error that concerns the whole document.
inline constexpr std::string_view kDocumentPath = "(document)";

// "board" + "api_key" -> "board.api_key"; "" + "board" -> "board".
inline std::string join(std::string_view path, std::string_view key) {
  if (path.empty()) return std::string(key);
  return std::string(path) + "." + std::string(key);
}

// "pipelines", 2 -> "pipelines[2]".
inline std::string indexed(std::string_view path, std::size_t i) {
  return std::string(path) + "[" + std::to_string(i) + "]";
}

}  // namespace hbsync::tenant::detail
