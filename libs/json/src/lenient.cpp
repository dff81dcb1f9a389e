#include "hbsync/json/lenient.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <charconv>
#include <cmath>

namespace hbsync::json::lenient {

using rapidjson::Value;

const Value* member(const Value& object, const char* name) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(name);
  if (it == object.MemberEnd() || it->value.IsNull()) return nullptr;
  return &it->value;
}

std::optional<int64_t> int_of_other(const Value& v) {
  if (v.IsUint64()) return std::nullopt;  // beyond int64: not an id an API has
  if (v.IsDouble()) {
    const double d = v.GetDouble();
    if (std::trunc(d) == d && std::fabs(d) < 9.0e15) return static_cast<int64_t>(d);
    return std::nullopt;
  }
  if (v.IsString()) {
    const std::string_view s(v.GetString(), v.GetStringLength());
    int64_t out = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec == std::errc() && end == s.data() + s.size() && !s.empty()) return out;
  }
  return std::nullopt;
}

std::optional<std::string> text_of(const Value* v, Bools bools) {
  if (!v) return std::nullopt;
  if (v->IsString()) return std::string(v->GetString(), v->GetStringLength());
  if (v->IsBool() && bools == Bools::as_text) {
    return std::string(v->GetBool() ? "true" : "false");
  }
  // Amounts or codes sent as numbers are kept in their JSON spelling.
  if (v->IsInt64()) return std::to_string(v->GetInt64());
  if (v->IsUint64()) return std::to_string(v->GetUint64());
  if (v->IsNumber()) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    v->Accept(writer);
    return std::string(buffer.GetString(), buffer.GetSize());
  }
  return std::nullopt;
}

std::optional<bool> bool_of(const Value* v) {
  if (!v) return std::nullopt;
  if (v->IsBool()) return v->GetBool();
  if (v->IsString()) return std::string_view(v->GetString(), v->GetStringLength()) == "true";
  return std::nullopt;
}

std::string str(const Value& o, const char* name, Bools bools) {
  return text_of(member(o, name), bools).value_or("");
}

std::optional<std::string> opt_str(const Value& o, const char* name, Bools bools) {
  return text_of(member(o, name), bools);
}

std::string cut_utf8(std::string text, size_t limit, std::string_view suffix) {
  if (text.size() <= limit) return text;
  size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  text.resize(end);
  return text.append(suffix);
}

}  // namespace hbsync::json::lenient
