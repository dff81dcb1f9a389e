#include "hbsync/json/parse.hpp"

#include <rapidjson/error/en.h>

#include <cmath>
#include <cstdint>
#include <optional>

namespace hbsync::json {
namespace {

constexpr unsigned kFlags = rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The code unit of the \uXXXX escape whose 'u' is at text[i], if well formed.
std::optional<unsigned> escape_unit(std::string_view text, std::size_t i) {
  if (i + 4 >= text.size()) return std::nullopt;
  unsigned unit = 0;
  for (std::size_t k = 1; k <= 4; ++k) {
    const int v = hex_value(text[i + k]);
    if (v < 0) return std::nullopt;
    unit = unit * 16 + static_cast<unsigned>(v);
  }
  return unit;
}

Status failure(Problem problem, std::string message, std::size_t offset) {
  return {.problem = problem, .message = std::move(message), .offset = offset};
}

// What RapidJSON's parse does not check: depth, NUL bytes, lone low
// surrogate escapes. Malformed text that passes is left to the parser.
Status prescan(std::string_view text, std::size_t max_depth) {
  std::size_t depth = 0;
  bool in_string = false;
  bool after_high_surrogate = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\0') return failure(Problem::syntax, "NUL byte in JSON text", i);
    if (in_string) {
      if (c == '"') {
        in_string = false;
        after_high_surrogate = false;
      } else if (c == '\\' && i + 1 < text.size()) {
        ++i;
        if (text[i] != 'u') {
          after_high_surrogate = false;
          continue;
        }
        const auto unit = escape_unit(text, i);
        if (!unit) continue;  // the parser reports the bad escape
        if (*unit >= 0xDC00 && *unit <= 0xDFFF && !after_high_surrogate) {
          return failure(Problem::encoding, "lone UTF-16 surrogate escape", i - 1);
        }
        after_high_surrogate = *unit >= 0xD800 && *unit <= 0xDBFF;
        i += 4;
      } else {
        after_high_surrogate = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) {
        return failure(Problem::too_deep,
                       "JSON nested deeper than " + std::to_string(max_depth) + " levels", i);
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return {};
}

// RapidJSON 1.1 reads some numbers beyond the double range ("-22999999e308")
// as infinity instead of refusing them; JSON has no infinity. Recursion is
// bounded by the depth limit already checked.
bool all_finite(const rapidjson::Value& v) {
  if (v.IsDouble()) return std::isfinite(v.GetDouble());
  if (v.IsArray()) {
    for (const auto& item : v.GetArray()) {
      if (!all_finite(item)) return false;
    }
  } else if (v.IsObject()) {
    for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
      if (!all_finite(it->value)) return false;
    }
  }
  return true;
}

}  // namespace

Status parse(rapidjson::Document& doc, std::string_view text, Limits limits) {
  doc.SetNull();
  if (Status pre = prescan(text, limits.max_depth); !pre) return pre;
  doc.Parse<kFlags>(text.data(), text.size());
  if (!doc.HasParseError()) {
    if (all_finite(doc)) return {};
    doc.SetNull();
    return failure(Problem::syntax, "number out of range", 0);
  }
  const auto code = doc.GetParseError();
  const std::size_t offset = doc.GetErrorOffset();
  doc.SetNull();
  if (code == rapidjson::kParseErrorStringInvalidEncoding) {
    return failure(Problem::encoding, "invalid encoding in a string (not UTF-8)", offset);
  }
  return failure(Problem::syntax, rapidjson::GetParseError_En(code), offset);
}

std::string Status::describe() const {
  if (ok()) return "";
  return message + " at offset " + std::to_string(offset);
}

std::string_view reason_code(Problem problem) {
  switch (problem) {
    case Problem::none:
      return "";
    case Problem::syntax:
      return "json_syntax";
    case Problem::encoding:
      return "json_encoding";
    case Problem::too_deep:
      return "json_too_deep";
  }
  return "json_syntax";
}

}  // namespace hbsync::json
