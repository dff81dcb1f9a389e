// Private to libs/tenant: reads a parsed JSON document into Settings,
// collecting every problem with its JSON path instead of stopping at the
// first. The generic part (objects, arrays, scalars, secrets, unknown and
// repeated keys); the sections of tenant.json are in settings_read.cpp.
#pragma once

#include <rapidjson/document.h>

#include <algorithm>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "hbsync/json/read.hpp"
#include "hbsync/tenant/secrets.hpp"
#include "hbsync/tenant/settings_json.hpp"
#include "settings_common.hpp"

namespace hbsync::tenant::detail {

namespace rj = rapidjson;

// Reads a parsed document into Settings, collecting every problem with its
// JSON path instead of stopping at the first.
class Reader {
 public:
  using Handler = std::function<void(const rj::Value&, const std::string&)>;
  struct Member {
    std::string_view key;
    Handler read;
  };

  Reader(UnknownFields unknown, ParseResult& out) : unknown_(unknown), out_(out) {}

  void error(std::string field, std::string code, std::string message) {
    out_.errors.push_back({std::move(field), std::move(code), std::move(message)});
  }

  void wrong_type(const rj::Value& v, const std::string& path, std::string_view expected) {
    error(path, "wrong_type",
          path + " must be " + std::string(expected) + ", not " + json::type_name(v));
  }

  // Calls the handler of each member present; reports unknown and repeated
  // keys. Absent members keep their defaults.
  void object(const rj::Value& v, const std::string& path, const std::vector<Member>& members) {
    if (!v.IsObject()) {
      wrong_type(v, path.empty() ? std::string(kDocumentPath) : path, "an object");
      return;
    }
    entries(v, path, [&](std::string_view key, const rj::Value& value, const std::string& child) {
      auto member = std::find_if(members.begin(), members.end(),
                                 [&](const Member& m) { return m.key == key; });
      if (member != members.end()) {
        member->read(value, child);
      } else if (unknown_ == UnknownFields::reject) {
        unknown_field(key, child, members);
      }
    });
  }

  // Objects whose keys are data (pipeline ids, rows, board fields).
  template <typename F>
  void entries(const rj::Value& v, const std::string& path, F&& each) {
    if (!v.IsObject()) {
      wrong_type(v, path, "an object");
      return;
    }
    std::vector<std::string_view> seen;
    for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
      std::string_view key = *json::string_view_of(it->name);  // names are strings
      const std::string child = join(path, key);
      if (!first_time(seen, key, child)) continue;
      each(key, it->value, child);
    }
  }

  template <typename F>
  void array(const rj::Value& v, const std::string& path, F&& each) {
    if (!v.IsArray()) {
      wrong_type(v, path, "an array");
      return;
    }
    for (rj::SizeType i = 0; i < v.Size(); ++i) each(v[i], indexed(path, i));
  }

  bool string(const rj::Value& v, const std::string& path, std::string& out) {
    if (!v.IsString()) {
      wrong_type(v, path, "a string");
      return false;
    }
    out.assign(v.GetString(), v.GetStringLength());
    return true;
  }

  void boolean(const rj::Value& v, const std::string& path, bool& out) {
    if (!v.IsBool()) {
      wrong_type(v, path, "true or false");
      return;
    }
    out = v.GetBool();
  }

  bool int64(const rj::Value& v, const std::string& path, int64_t& out) {
    if (!v.IsInt64()) {
      wrong_type(v, path, "a whole number");
      return false;
    }
    out = v.GetInt64();
    return true;
  }

  // A secret (or the installing user): a value, null / "(not set)" to clear
  // it, "(set)" to keep the stored one.
  void secret(const rj::Value& v, const std::string& path, SecretField field) {
    seen_secrets_.push_back(field);
    if (v.IsNull()) return;
    if (field == SecretField::hubspot_expires_at_ms && v.IsNumber()) {
      int64_t ms = 0;
      if (int64(v, path, ms)) out_.settings.hubspot.expires_at_ms = ms;
      return;
    }
    if (!v.IsString()) {
      wrong_type(v, path,
                 field == SecretField::hubspot_expires_at_ms ? "a whole number" : "a string");
      return;
    }
    std::string_view text = *json::string_view_of(v);
    if (text == kSetMarker) {
      out_.kept.push_back(field);
    } else if (text != kNotSetMarker) {
      try {
        set_secret_value(out_.settings, field, std::string(text));
      } catch (const std::invalid_argument&) {
        wrong_type(v, path, "a whole number");
      }
    }
  }

  // Secrets the document did not mention are kept as stored.
  void finish() {
    for (auto field : secret_fields()) {
      if (std::find(seen_secrets_.begin(), seen_secrets_.end(), field) == seen_secrets_.end()) {
        out_.kept.push_back(field);
      }
    }
  }

 private:
  void unknown_field(std::string_view key, const std::string& path,
                     const std::vector<Member>& members) {
    std::string expected;
    for (const auto& m : members) expected += (expected.empty() ? "" : ", ") + std::string(m.key);
    error(path, "unknown_field",
          "unknown field \"" + std::string(key) + "\" (expected: " + expected + ")");
  }

  bool first_time(std::vector<std::string_view>& seen, std::string_view key,
                  const std::string& path) {
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
      error(path, "duplicate_key", "\"" + std::string(key) + "\" is given more than once");
      return false;
    }
    seen.push_back(key);
    return true;
  }

  UnknownFields unknown_;
  ParseResult& out_;
  std::vector<SecretField> seen_secrets_;
};

// Handlers for the common member kinds, so each section reads as a table.
inline Reader::Handler text(Reader& r, std::string& out) {
  return [&r, &out](const rj::Value& v, const std::string& p) { r.string(v, p, out); };
}
// null is accepted as "not set" for optional text.
inline Reader::Handler optional_text(Reader& r, std::string& out) {
  return [&r, &out](const rj::Value& v, const std::string& p) {
    if (v.IsNull()) {
      out.clear();
    } else {
      r.string(v, p, out);
    }
  };
}
inline Reader::Handler flag(Reader& r, bool& out) {
  return [&r, &out](const rj::Value& v, const std::string& p) { r.boolean(v, p, out); };
}
inline Reader::Handler number(Reader& r, int64_t& out) {
  return [&r, &out](const rj::Value& v, const std::string& p) {
    if (!v.IsNull()) r.int64(v, p, out);
  };
}
inline Reader::Handler secret(Reader& r, SecretField field) {
  return [&r, field](const rj::Value& v, const std::string& p) { r.secret(v, p, field); };
}

}  // namespace hbsync::tenant::detail
