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

// An integer, also from an integral double or a numeric string.
std::optional<int64_t> int_of(const rapidjson::Value* v);

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
