#include "hbsync/tenant/board_users.hpp"
#include "hbsync/tenant/keys.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace hbsync::tenant {
namespace {

std::string associated_data(const std::string& tenant_id) {
  return board_users_key(tenant_id);
}

std::string to_json(const BoardUsers& users) {
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  w.StartObject();
  w.Key("fetched_at_ms");
  w.Int64(users.fetched_at_ms);
  w.Key("users");
  w.StartArray();
  for (const auto& u : users.users) {
    w.StartObject();
    w.Key("id");
    w.Int64(u.id);
    w.Key("email");
    w.String(u.email.c_str(), static_cast<rapidjson::SizeType>(u.email.size()));
    w.Key("valid");
    w.Bool(u.valid);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return {b.GetString(), b.GetSize()};
}

std::optional<BoardUsers> from_json(const std::string& json) {
  rapidjson::Document d;
  d.Parse(json.c_str(), json.size());
  if (d.HasParseError() || !d.IsObject()) return std::nullopt;
  auto at = d.FindMember("fetched_at_ms");
  auto list = d.FindMember("users");
  if (at == d.MemberEnd() || !at->value.IsInt64() || list == d.MemberEnd() ||
      !list->value.IsArray()) {
    return std::nullopt;
  }
  BoardUsers out{.users = {}, .fetched_at_ms = at->value.GetInt64()};
  for (const auto& u : list->value.GetArray()) {
    if (!u.IsObject() || !u.HasMember("id") || !u["id"].IsInt64() || !u.HasMember("email") ||
        !u["email"].IsString() || !u.HasMember("valid") || !u["valid"].IsBool()) {
      return std::nullopt;
    }
    out.users.push_back({.id = u["id"].GetInt64(),
                         .email = {u["email"].GetString(), u["email"].GetStringLength()},
                         .valid = u["valid"].GetBool()});
  }
  return out;
}

}  // namespace

std::string board_users_key(const std::string& tenant_id) {
  return keys::board_users(tenant_id);
}

void save_board_users(redis::Client& redis, const Keyring& keyring, const std::string& tenant_id,
                      const BoardUsers& users) {
  const std::string sealed = keyring.encrypt(to_json(users), associated_data(tenant_id));
  redis.command({"SET", board_users_key(tenant_id), sealed}, redis::Idempotent::yes)
      .throw_if_error();
}

std::optional<BoardUsers> load_board_users(redis::Client& redis, const Keyring& keyring,
                                           const std::string& tenant_id) {
  auto reply = redis.command({"GET", board_users_key(tenant_id)});
  reply.throw_if_error();
  if (!reply.is_string() || keyring.empty()) return std::nullopt;
  try {
    return from_json(keyring.decrypt(reply.str, associated_data(tenant_id)));
  } catch (const DecryptError&) {
    return std::nullopt;
  }
}

}  // namespace hbsync::tenant
