#include "hbsync/json/read.hpp"

namespace hbsync::json {

namespace rj = rapidjson;

namespace {

void explain(std::string* error, std::string text) {
  if (error) *error = std::move(text);
}

// The member when present with the wanted type (checked by `is`), else
// nullptr with the reason in `error`.
template <typename Is>
const rj::Value* typed_member(const rj::Value& object, std::string_view name, std::string* error,
                              const char* expected, Is is) {
  if (!object.IsObject()) {
    explain(error, std::string("not an object (") + type_name(object) + ")");
    return nullptr;
  }
  const rj::Value* value = find_member(object, name);
  if (!value) {
    explain(error, "\"" + std::string(name) + "\" is missing");
    return nullptr;
  }
  if (!is(*value)) {
    explain(error,
            "\"" + std::string(name) + "\" must be " + expected + ", not " + type_name(*value));
    return nullptr;
  }
  return value;
}

}  // namespace

const char* type_name(const rj::Value& value) {
  switch (value.GetType()) {
    case rj::kNullType:
      return "null";
    case rj::kFalseType:
    case rj::kTrueType:
      return "a boolean";
    case rj::kObjectType:
      return "an object";
    case rj::kArrayType:
      return "an array";
    case rj::kStringType:
      return "a string";
    case rj::kNumberType:
      return "a number";
  }
  return "a value";
}

std::optional<std::string_view> string_view_of(const rj::Value& value) {
  if (!value.IsString()) return std::nullopt;
  return std::string_view(value.GetString(), value.GetStringLength());
}

const rj::Value* find_member(const rj::Value& object, std::string_view name) {
  if (!object.IsObject()) return nullptr;
  const rj::Value key(rj::StringRef(name.data(), static_cast<rj::SizeType>(name.size())));
  auto it = object.FindMember(key);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

std::optional<std::string> member_string(const rj::Value& object, std::string_view name,
                                         std::string* error) {
  auto is = [](const rj::Value& v) { return v.IsString(); };
  const rj::Value* v = typed_member(object, name, error, "a string", is);
  if (!v) return std::nullopt;
  return std::string(v->GetString(), v->GetStringLength());
}

std::optional<int64_t> member_int64(const rj::Value& object, std::string_view name,
                                    std::string* error) {
  auto is = [](const rj::Value& v) { return v.IsInt64(); };
  const rj::Value* v = typed_member(object, name, error, "a whole number", is);
  if (!v) return std::nullopt;
  return v->GetInt64();
}

std::optional<bool> member_bool(const rj::Value& object, std::string_view name,
                                std::string* error) {
  auto is = [](const rj::Value& v) { return v.IsBool(); };
  const rj::Value* v = typed_member(object, name, error, "true or false", is);
  if (!v) return std::nullopt;
  return v->GetBool();
}

const rj::Value* member_array(const rj::Value& object, std::string_view name, std::string* error) {
  auto is = [](const rj::Value& v) { return v.IsArray(); };
  return typed_member(object, name, error, "an array", is);
}

const rj::Value* member_object(const rj::Value& object, std::string_view name, std::string* error) {
  auto is = [](const rj::Value& v) { return v.IsObject(); };
  return typed_member(object, name, error, "an object", is);
}

}  // namespace hbsync::json
