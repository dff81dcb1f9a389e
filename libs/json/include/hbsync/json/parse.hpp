// The one way to read untrusted JSON (webhook bodies, HubSpot and board
// answers, tenant.json, dead letters, simulator requests). RapidJSON's default
// parse recurses once per nesting level, so 150,000 nested arrays (300 KB)
// overflow the stack; it also lets invalid UTF-8 through, which then breaks
// protobuf string fields downstream. parse() instead:
//   - refuses nesting deeper than Limits::max_depth (a pre-scan that skips
//     strings and escapes, before anything is allocated);
//   - parses iteratively (no recursion) and validates UTF-8 in every string;
//   - refuses a \u escape of a lone low surrogate (\uDC00-\uDFFF), which
//     RapidJSON would turn into invalid UTF-8;
//   - refuses NUL bytes (RapidJSON would read one as the end of the text).
// Error messages name the problem and its byte offset, never the content.
#pragma once

#include <rapidjson/document.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace hbsync::json {

inline constexpr std::size_t kDefaultMaxDepth = 64;

struct Limits {
  std::size_t max_depth = kDefaultMaxDepth;  // arrays and objects, the root counts as 1
};

enum class Problem { none, syntax, encoding, too_deep };

struct Status {
  Problem problem = Problem::none;
  // What is wrong, without the offset (RapidJSON's text for syntax errors);
  // empty when ok.
  std::string message;
  std::size_t offset = 0;  // byte offset of the problem in the text

  // "<message> at offset <n>" ("" when ok).
  std::string describe() const;

  bool ok() const { return problem == Problem::none; }
  explicit operator bool() const { return ok(); }
};

// Parses `text` into `doc` (replacing its content). On failure `doc` holds
// no usable value and the status says why.
Status parse(rapidjson::Document& doc, std::string_view text, Limits limits = {});

// As parse(), same checks and results, but in place: the strings are
// decoded into `text` and the document's strings point into it (no copy of
// each into the document's allocator). `text` is changed and must outlive
// `doc`'s use.
Status parse_insitu(rapidjson::Document& doc, std::string& text, Limits limits = {});

// A stable code for logs and metric labels: "json_syntax", "json_encoding",
// "json_too_deep" ("" when ok).
std::string_view reason_code(Problem problem);

// The length of the well-formed UTF-8 sequence (RFC 3629: no overlong
// forms, no surrogates, nothing above U+10FFFF) that starts with the
// non-ASCII byte at text[i]; 0 when there is none. The rule parse()
// applies inside strings.
std::size_t utf8_sequence(std::string_view text, std::size_t i);

}  // namespace hbsync::json
