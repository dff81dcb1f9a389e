// Small helpers the HubSpot simulator shares: time formats, ids, JSON output.
#pragma once

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace hbsync::sim_hubspot {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

// Milliseconds since the Unix epoch; injectable so rules with time in them
// (token expiry, search lag) are testable without sleeping.
using WallClock = std::function<int64_t()>;
int64_t system_millis();

// "2024-01-31T09:05:03.120Z", the form HubSpot uses for timestamps.
std::string iso8601(int64_t unix_ms);
// Accepts "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS[.fff]]" with "Z" or "+hh:mm"
// (UTC assumed when absent). nullopt when malformed.
std::optional<int64_t> parse_iso8601(std::string_view text);

std::string new_correlation_id();  // random UUID v4
// Unguessable token: `bytes` random bytes, base64url without padding.
std::string random_token(size_t bytes);

// Decimal integer without sign, spaces or overflow.
std::optional<int64_t> parse_id(std::string_view text);

// Writes a JSON document with `body` filling it and returns the text.
std::string write_json(const std::function<void(JsonWriter&)>& body);

inline void key(JsonWriter& w, std::string_view name) {
  w.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()));
}
inline void string(JsonWriter& w, std::string_view text) {
  w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

}  // namespace hbsync::sim_hubspot
