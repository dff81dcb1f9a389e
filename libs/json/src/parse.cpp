#include "hbsync/json/parse.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>

namespace hbsync::json {
namespace {

// UTF-8 inside strings is validated by prescan (outside strings any
// non-ASCII byte is a syntax error to the parser anyway).
constexpr unsigned kFlags = rapidjson::kParseIterativeFlag;

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

// Bytes the scan below must look at; every other byte is skipped in a tight
// loop (most of a webhook body is plain ASCII inside strings).
struct ByteClasses {
  bool in_string[256] = {};
  bool outside[256] = {};
  constexpr ByteClasses() {
    in_string[0] = in_string[static_cast<unsigned char>('"')] = true;
    in_string[static_cast<unsigned char>('\\')] = true;
    for (int b = 0x80; b < 256; ++b) in_string[b] = true;
    outside[0] = true;
    for (char c : {'"', '[', '{', ']', '}'}) outside[static_cast<unsigned char>(c)] = true;
  }
};
constexpr ByteClasses kBytes;

// What RapidJSON's parse does not check: depth, NUL bytes, lone low
// surrogate escapes; and UTF-8 inside strings, checked here in one pass
// rather than by RapidJSON's per-character validation (several times
// slower). Bytes outside strings are left to the parser, as is malformed
// text that passes; a text with both an encoding and an earlier syntax
// error is reported as an encoding error.
Status prescan(std::string_view text, std::size_t max_depth) {
  std::size_t depth = 0;
  bool in_string = false;
  bool after_high_surrogate = false;
  const std::size_t n = text.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (in_string) {
      const std::size_t plain = i;
      while (i < n && !kBytes.in_string[static_cast<unsigned char>(text[i])]) ++i;
      if (i != plain) after_high_surrogate = false;
      if (i == n) break;
    } else {
      while (i < n && !kBytes.outside[static_cast<unsigned char>(text[i])]) ++i;
      if (i == n) break;
    }
    const char c = text[i];
    if (c == '\0') return failure(Problem::syntax, "NUL byte in JSON text", i);
    if (in_string) {
      if (c == '"') {
        in_string = false;
        after_high_surrogate = false;
      } else if (c == '\\') {
        if (i + 1 >= n) continue;
        ++i;
        if (text[i] != 'u') {
          // An escaped non-ASCII character is a bad escape (the parser's
          // syntax error), not an encoding error: skip all its bytes.
          after_high_surrogate = false;
          if (static_cast<unsigned char>(text[i]) >= 0x80)
            i += std::max<std::size_t>(1, utf8_sequence(text, i)) - 1;
          continue;
        }
        const auto unit = escape_unit(text, i);
        if (!unit) continue;  // the parser reports the bad escape
        if (*unit >= 0xDC00 && *unit <= 0xDFFF && !after_high_surrogate) {
          return failure(Problem::encoding, "lone UTF-16 surrogate escape", i - 1);
        }
        after_high_surrogate = *unit >= 0xD800 && *unit <= 0xDBFF;
        i += 4;
      } else {  // a non-ASCII byte
        const std::size_t length = utf8_sequence(text, i);
        if (length == 0) {
          return failure(Problem::encoding, "invalid encoding in a string (not UTF-8)", i);
        }
        after_high_surrogate = false;
        i += length - 1;
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

// The status of a parse that ran (after the prescan) on the text from byte
// `skipped` on.
Status finish(rapidjson::Document& doc, std::size_t skipped = 0) {
  if (!doc.HasParseError()) {
    if (all_finite(doc)) return {};
    doc.SetNull();
    return failure(Problem::syntax, "number out of range", 0);
  }
  const auto code = doc.GetParseError();
  const std::size_t offset = skipped + doc.GetErrorOffset();
  doc.SetNull();
  if (code == rapidjson::kParseErrorStringInvalidEncoding) {
    return failure(Problem::encoding, "invalid encoding in a string (not UTF-8)", offset);
  }
  return failure(Problem::syntax, rapidjson::GetParseError_En(code), offset);
}

}  // namespace

std::size_t utf8_sequence(std::string_view text, std::size_t i) {
  auto in = [&](std::size_t k, unsigned char lo, unsigned char hi) {
    if (i + k >= text.size()) return false;
    const auto b = static_cast<unsigned char>(text[i + k]);
    return b >= lo && b <= hi;
  };
  const auto c = static_cast<unsigned char>(text[i]);
  if (c >= 0xC2 && c <= 0xDF) return in(1, 0x80, 0xBF) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    const unsigned char lo = c == 0xE0 ? 0xA0 : 0x80;
    const unsigned char hi = c == 0xED ? 0x9F : 0xBF;
    return in(1, lo, hi) && in(2, 0x80, 0xBF) ? 3 : 0;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    const unsigned char lo = c == 0xF0 ? 0x90 : 0x80;
    const unsigned char hi = c == 0xF4 ? 0x8F : 0xBF;
    return in(1, lo, hi) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
  }
  return 0;
}

// The length of a leading UTF-8 byte order mark: all three bytes or none.
// (RapidJSON's encoded input stream skips any prefix of one, so "\xEF\xBB[1]"
// would pass as [1]; both parses below read a plain byte stream instead.)
std::size_t bom_length(std::string_view text) {
  return text.starts_with("\xEF\xBB\xBF") ? 3 : 0;
}

Status parse(rapidjson::Document& doc, std::string_view text, Limits limits) {
  doc.SetNull();
  if (Status pre = prescan(text, limits.max_depth); !pre) return pre;
  const std::size_t bom = bom_length(text);
  rapidjson::MemoryStream in(text.data() + bom, text.size() - bom);
  doc.ParseStream<kFlags, rapidjson::UTF8<>>(in);
  return finish(doc, bom);
}

Status parse_insitu(rapidjson::Document& doc, std::string& text, Limits limits) {
  doc.SetNull();
  if (Status pre = prescan(text, limits.max_depth); !pre) return pre;
  // The prescan refused NUL bytes, so the string's terminator is the end
  // of the text for RapidJSON, as the size is for parse().
  const std::size_t bom = bom_length(text);
  doc.ParseInsitu<kFlags>(text.data() + bom);
  return finish(doc, bom);
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
