// The strict member readers of a parsed document (parse.hpp), for our own
// formats (tenant.json, control bodies, DLQ payloads), strict about types: a member is read only
// when present with the expected type. Each read returns nullopt (nullptr for containers)
// otherwise, and when `error` is given, says why in words that name the member but never its
// content, e.g. `"users" is missing`, `"id" must be a whole number, not a
// string`, `not an object`.
//
// Lenient readers for third-party documents (null same as missing, ids as
// numeric strings) are in lenient.hpp (json::lenient).
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hbsync::json {

// "null", "a boolean", "an object", "an array", "a string", "a number".
const char* type_name(const rapidjson::Value& value);

// The text of a string value, without copying; nullopt for other types.
std::optional<std::string_view> string_view_of(const rapidjson::Value& value);

// The member `name` of an object (null members too); nullptr when `object`
// is not an object or has no such member.
const rapidjson::Value* find_member(const rapidjson::Value& object, std::string_view name);

std::optional<std::string> member_string(const rapidjson::Value& object, std::string_view name,
                                         std::string* error = nullptr);
// Integers that fit int64_t (not 1.0, not "1").
std::optional<int64_t> member_int64(const rapidjson::Value& object, std::string_view name,
                                    std::string* error = nullptr);
std::optional<bool> member_bool(const rapidjson::Value& object, std::string_view name,
                                std::string* error = nullptr);
const rapidjson::Value* member_array(const rapidjson::Value& object, std::string_view name,
                                     std::string* error = nullptr);
const rapidjson::Value* member_object(const rapidjson::Value& object, std::string_view name,
                                      std::string* error = nullptr);

}  // namespace hbsync::json
