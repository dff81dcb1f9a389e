// The little RapidJSON glue both simulators need. Members of a request body
// are read with the strict readers of libs/json (hbsync/json/read.hpp).
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "hbsync/json/read.hpp"

namespace hbsync::simkit {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

// Parses `body` into `doc`; the error message when it is not valid JSON or
// (require_object) not a JSON object.
std::optional<std::string> parse_json(std::string_view body, rapidjson::Document& doc,
                                      bool require_object = true);

std::string to_string(const rapidjson::Value& value);

// {"key": "text"} with the text escaped.
std::string json_object(std::string_view key, std::string_view text);

}  // namespace hbsync::simkit
