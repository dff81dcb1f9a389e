#include "hbsync/tenant/board_users.hpp"
#include "hbsync/tenant/keys.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "hbsync/json/parse.hpp"
#include "hbsync/json/read.hpp"

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

// Our own encrypted cache entry: any surprise means "not cached", so the
// users are fetched again.
std::optional<BoardUsers> from_json(const std::string& json) {
  rapidjson::Document d;
  if (!hbsync::json::parse(d, json)) return std::nullopt;
  auto at = hbsync::json::member_int64(d, "fetched_at_ms");
  const rapidjson::Value* list = hbsync::json::member_array(d, "users");
  if (!at || !list) return std::nullopt;
  BoardUsers out{.users = {}, .fetched_at_ms = *at};
  for (const auto& u : list->GetArray()) {
    auto id = hbsync::json::member_int64(u, "id");
    auto email = hbsync::json::member_string(u, "email");
    auto valid = hbsync::json::member_bool(u, "valid");
    if (!id || !email || !valid) return std::nullopt;
    out.users.push_back({.id = *id, .email = std::move(*email), .valid = *valid});
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
