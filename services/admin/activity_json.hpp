// Small helpers for the JSON bodies of activity_*.cpp (RapidJSON writer).
#pragma once

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <string_view>

namespace hbsync::admin::activity {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

inline void field(JsonWriter& w, const char* key, std::string_view value) {
  w.Key(key);
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}
inline void field(JsonWriter& w, const char* key, int64_t value) {
  w.Key(key);
  w.Int64(value);
}
inline void flag(JsonWriter& w, const char* key, bool value) {
  w.Key(key);
  w.Bool(value);
}
// Only when set: an empty text or a zero is left out.
inline void field_if(JsonWriter& w, const char* key, std::string_view value) {
  if (!value.empty()) field(w, key, value);
}
inline void field_if(JsonWriter& w, const char* key, int64_t value) {
  if (value != 0) field(w, key, value);
}

}  // namespace hbsync::admin::activity
