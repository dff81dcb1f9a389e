#include "hbsync/simkit/json.hpp"

#include "hbsync/json/parse.hpp"

namespace hbsync::simkit {

std::optional<std::string> parse_json(std::string_view body, rapidjson::Document& doc,
                                      bool require_object) {
  if (auto status = json::parse(doc, body); !status) return "invalid JSON: " + status.describe();
  if (require_object && !doc.IsObject()) return std::string("JSON body must be an object");
  return std::nullopt;
}

std::string to_string(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  value.Accept(w);
  return buffer.GetString();
}

std::string json_object(std::string_view key, std::string_view text) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
  w.EndObject();
  return buffer.GetString();
}

}  // namespace hbsync::simkit
