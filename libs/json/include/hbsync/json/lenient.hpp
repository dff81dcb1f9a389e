// The lenient member readers, for documents whose producer we do not control
// (board's and HubSpot's answers, HubSpot's webhook events): a missing member
// and null are the same, ids and numbers may come as numeric strings or
// integral doubles, text as numbers (kept in their JSON spelling).
//
// The strict readers (a member of exactly the expected type, with a reason
// when it is not) are in read.hpp: use those for our own formats
// (tenant.json, simulator control bodies).
#pragma once

#include <rapidjson/document.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hbsync::json::lenient {

// Whether a JSON true/false reads as the text "true"/"false" or as no text.
enum class Bools { skip, as_text };

// The member `name` of an object; nullptr when not an object, absent or null.
const rapidjson::Value* member(const rapidjson::Value& object, const char* name);

// int_of for a value that is not an int64.
std::optional<int64_t> int_of_other(const rapidjson::Value& v);

// An integer, also from an integral double or a numeric string. Null and
// int64 inline: out of line, GCC 12 returns the optional through a stack
// slot, a 1-byte store then an 8-byte reload of it, which the CPU cannot
// forward from the store and waits for (why perf showed int_of at 3 % of
// ingress's cycles for 0.5 % of its instructions).
inline std::optional<int64_t> int_of(const rapidjson::Value* v) {
  if (v == nullptr) return std::nullopt;
  if (v->IsInt64()) return v->GetInt64();
  return int_of_other(*v);
}

// A string, or a number in its JSON spelling (and a bool with Bools::as_text).
std::optional<std::string> text_of(const rapidjson::Value* v, Bools bools = Bools::skip);

// A JSON boolean, or a string: "true" is true, any other text false;
// nullopt for other types.
std::optional<bool> bool_of(const rapidjson::Value* v);

// text_of(member(o, name)), "" when there is none.
std::string str(const rapidjson::Value& o, const char* name, Bools bools = Bools::skip);
std::optional<std::string> opt_str(const rapidjson::Value& o, const char* name,
                                   Bools bools = Bools::skip);

// For texts read from an answer (error messages): at most `limit` bytes without splitting a UTF-8
// sequence; `suffix` is added when something was cut.
std::string cut_utf8(std::string text, size_t limit, std::string_view suffix = "");

}  // namespace hbsync::json::lenient
