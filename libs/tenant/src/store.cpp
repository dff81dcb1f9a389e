#include "hbsync/tenant/store.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include <openssl/rand.h>

namespace hbsync::tenant {

namespace {

// Version numbers come from the global counter, so a tenant removed and
// created again never reuses a version a cache may still hold.
const redis::Script kPutScript(R"lua(
if ARGV[4] ~= '' then
  local current = tonumber(redis.call('HGET', KEYS[4], 'version') or '0')
  if current ~= tonumber(ARGV[4]) then return {0, current} end
end
redis.call('SET', KEYS[2], ARGV[2])
redis.call('DEL', KEYS[3])
if #ARGV > 6 then redis.call('HSET', KEYS[3], unpack(ARGV, 7)) end
redis.call('SET', KEYS[6], ARGV[6], 'NX')
local version = redis.call('INCR', KEYS[5])
redis.call('HSET', KEYS[4], 'version', version, 'updated_at_ms', ARGV[3])
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('PUBLISH', ARGV[5], ARGV[1])
return {1, version}
)lua");

const redis::Script kGetScript(R"lua(
local settings = redis.call('GET', KEYS[1])
if not settings then return false end
local meta = redis.call('HMGET', KEYS[3], 'version', 'updated_at_ms')
return {settings, redis.call('HGETALL', KEYS[2]), meta[1] or '0', meta[2] or '0'}
)lua");

const redis::Script kRemoveScript(R"lua(
local deleted = redis.call('DEL', KEYS[2], KEYS[3], KEYS[4])
local member = redis.call('SREM', KEYS[1], ARGV[1])
if deleted == 0 and member == 0 then return 0 end
redis.call('INCR', KEYS[5])
redis.call('PUBLISH', ARGV[2], ARGV[1])
return 1
)lua");

// ARGV: id, updated_at_ms, channel, n, then n field/envelope pairs, then
// fields to delete.
const redis::Script kTokensScript(R"lua(
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local i = 5
for _ = 1, tonumber(ARGV[4]) do
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
  i = i + 2
end
while i <= #ARGV do
  redis.call('HDEL', KEYS[2], ARGV[i])
  i = i + 1
end
local version = redis.call('INCR', KEYS[4])
redis.call('HSET', KEYS[3], 'version', version, 'updated_at_ms', ARGV[2])
redis.call('PUBLISH', ARGV[3], ARGV[1])
return version
)lua");

// ARGV: field, envelope read, envelope to write, ... Compare-and-set, so a
// token refreshed while rotation ran is not overwritten with the old token.
const redis::Script kRotateScript(R"lua(
local n = 0
for i = 1, #ARGV, 3 do
  if redis.call('HGET', KEYS[1], ARGV[i]) == ARGV[i + 1] then
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 2])
    n = n + 1
  end
end
return n
)lua");

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t to_int64(const redis::Reply& reply) {
  if (reply.is_integer()) return reply.integer;
  if (reply.is_string()) {
    try {
      return std::stoll(reply.str);
    } catch (const std::exception&) {
      return 0;
    }
  }
  return 0;
}

// 128 random bits, hex: tells one Redis data set from another.
std::string new_instance_id() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("RAND_bytes failed");
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out.push_back(hex[b >> 4]);
    out.push_back(hex[b & 0xf]);
  }
  return out;
}

DecryptError with_context(const DecryptError& e, const std::string& tenant_id, SecretField field) {
  return DecryptError(e.reason(),
                      "tenant " + tenant_id + ", " + std::string(path(field)) + ": " + e.what());
}

}  // namespace

std::string Store::settings_key(const std::string& tenant_id) {
  return keys::settings(tenant_id);
}

std::string Store::secrets_key(const std::string& tenant_id) {
  return keys::secrets(tenant_id);
}

std::string Store::meta_key(const std::string& tenant_id) {
  return keys::meta(tenant_id);
}

std::string Store::associated_data(const std::string& tenant_id, SecretField field) {
  return "hbsync:tenant:" + tenant_id + ":" + std::string(path(field));
}

Store::Store(redis::Client& redis, const Keyring& keyring) : redis_(redis), keyring_(keyring) {}

PutResult Store::put(const Settings& settings, std::optional<int64_t> expected_version) {
  PutResult result;
  result.errors = validate(settings);
  if (!result.ok()) return result;

  const std::string& id = settings.tenant_id;
  Settings stored = settings;
  stored.version = 0;  // lives in :meta, not in the JSON
  stored.updated_at_ms = 0;

  std::vector<std::string> args = {
      id,
      to_json(stored, Redaction::omit, JsonStyle::compact),
      std::to_string(now_ms()),
      expected_version ? std::to_string(*expected_version) : std::string(),
      kChangesChannel,
      new_instance_id(),
  };
  for (auto field : secret_fields()) {
    std::string value = secret_value(settings, field);
    if (value.empty()) continue;
    args.emplace_back(path(field));
    args.push_back(keyring_.encrypt(value, associated_data(id, field)));
  }
  redis::Reply reply = kPutScript.eval(redis_,
                                       {kTenantsKey, settings_key(id), secrets_key(id),
                                        meta_key(id), kTenantsVersionKey, kInstanceKey},
                                       args);
  if (!reply.is_array() || reply.elements.size() != 2) {
    throw redis::Error(redis::Error::Kind::protocol, "unexpected reply from the tenant put script");
  }
  if (reply.elements[0].integer == 0) {
    const int64_t current = reply.elements[1].integer;
    result.errors.push_back({"version", "version_conflict",
                             current == 0
                                 ? "tenant " + id + " was removed since it was read"
                                 : "tenant " + id + " was changed since it was read (now version " +
                                       std::to_string(current) + ", expected " +
                                       std::to_string(expected_version.value_or(0)) +
                                       "); load it again and reapply the change"});
    return result;
  }
  result.version = reply.elements[1].integer;
  return result;
}

PutResult Store::apply_json(const std::string& json, std::optional<int64_t> expected_version) {
  ParseResult parsed = from_json(json, UnknownFields::reject);
  if (!parsed.ok()) return PutResult{std::move(parsed.errors), 0};
  if (is_valid_tenant_id(parsed.settings.tenant_id) && !parsed.kept.empty()) {
    if (auto stored = get(parsed.settings.tenant_id)) {
      keep_secrets(parsed.settings, parsed.kept, *stored);
    }
  }
  return put(parsed.settings, expected_version);
}

std::optional<Settings> Store::get(const std::string& tenant_id) {
  if (!is_valid_tenant_id(tenant_id)) return std::nullopt;
  redis::Reply reply = kGetScript.eval(
      redis_, {settings_key(tenant_id), secrets_key(tenant_id), meta_key(tenant_id)}, {},
      redis::Idempotent::yes);
  if (reply.is_nil()) return std::nullopt;
  if (!reply.is_array() || reply.elements.size() != 4) {
    throw redis::Error(redis::Error::Kind::protocol, "unexpected reply from the tenant get script");
  }
  ParseResult parsed = from_json(reply.elements[0].str, UnknownFields::ignore);
  if (!parsed.ok()) {
    throw std::runtime_error("tenant " + tenant_id + ": stored settings do not parse (" +
                             parsed.errors.front().field + ": " + parsed.errors.front().code + ")");
  }
  Settings settings = std::move(parsed.settings);
  const auto& secrets = reply.elements[1].elements;
  for (size_t i = 0; i + 1 < secrets.size(); i += 2) {
    // Fields a newer release added are skipped rather than failing the read.
    auto field = parse_secret_field(secrets[i].str);
    if (!field) continue;
    std::string value;
    try {
      value = keyring_.decrypt(secrets[i + 1].str, associated_data(tenant_id, *field));
    } catch (const DecryptError& e) {
      throw with_context(e, tenant_id, *field);
    }
    try {
      set_secret_value(settings, *field, std::move(value));
    } catch (const std::invalid_argument&) {
      throw DecryptError(DecryptError::Reason::malformed, "tenant " + tenant_id + ", " +
                                                              std::string(path(*field)) +
                                                              ": decrypted value is not a number");
    }
  }
  settings.version = to_int64(reply.elements[2]);
  settings.updated_at_ms = to_int64(reply.elements[3]);
  return settings;
}

int64_t Store::version(const std::string& tenant_id) {
  if (!is_valid_tenant_id(tenant_id)) return 0;
  return to_int64(redis_.command({"HGET", meta_key(tenant_id), "version"}));
}

std::optional<std::string> Store::instance_marker() {
  redis::Reply reply = redis_.command({"GET", kInstanceKey});
  if (!reply.is_string()) return std::nullopt;
  return reply.str;
}

int64_t Store::tenants_version() {
  return to_int64(redis_.command({"GET", kTenantsVersionKey}));
}

std::vector<std::string> Store::list() {
  redis::Reply reply = redis_.command({"SMEMBERS", kTenantsKey});
  std::vector<std::string> ids;
  for (const auto& element : reply.elements) ids.push_back(element.str);
  // Ids are decimal without leading zeros: shorter is smaller.
  std::sort(ids.begin(), ids.end(), [](const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() < b.size() : a < b;
  });
  return ids;
}

bool Store::remove(const std::string& tenant_id) {
  if (!is_valid_tenant_id(tenant_id)) return false;
  redis::Reply reply =
      kRemoveScript.eval(redis_,
                         {kTenantsKey, settings_key(tenant_id), secrets_key(tenant_id),
                          meta_key(tenant_id), kTenantsVersionKey},
                         {tenant_id, kChangesChannel});
  return reply.integer == 1;
}

bool Store::put_hubspot_tokens(const std::string& tenant_id, const std::string& access_token,
                               const std::string& refresh_token, int64_t expires_at_ms) {
  if (!is_valid_tenant_id(tenant_id)) return false;
  Settings tokens;
  tokens.hubspot.access_token = access_token;
  tokens.hubspot.refresh_token = refresh_token;
  tokens.hubspot.expires_at_ms = expires_at_ms;

  std::vector<std::string> to_set;
  std::vector<std::string> to_delete;
  for (auto field : {SecretField::hubspot_access_token, SecretField::hubspot_refresh_token,
                     SecretField::hubspot_expires_at_ms}) {
    std::string value = secret_value(tokens, field);
    if (value.empty()) {
      to_delete.emplace_back(path(field));
    } else {
      to_set.emplace_back(path(field));
      to_set.push_back(keyring_.encrypt(value, associated_data(tenant_id, field)));
    }
  }
  std::vector<std::string> args = {tenant_id, std::to_string(now_ms()), kChangesChannel,
                                   std::to_string(to_set.size() / 2)};
  args.insert(args.end(), to_set.begin(), to_set.end());
  args.insert(args.end(), to_delete.begin(), to_delete.end());
  redis::Reply reply = kTokensScript.eval(
      redis_,
      {settings_key(tenant_id), secrets_key(tenant_id), meta_key(tenant_id), kTenantsVersionKey},
      args);
  return reply.integer > 0;
}

int Store::rotate_keys() {
  int rotated = 0;
  for (const std::string& id : list()) {
    redis::Reply secrets = redis_.command({"HGETALL", secrets_key(id)});
    std::vector<std::string> args;
    for (size_t i = 0; i + 1 < secrets.elements.size(); i += 2) {
      const std::string& name = secrets.elements[i].str;
      const std::string& envelope = secrets.elements[i + 1].str;
      auto field = parse_secret_field(name);
      if (!field || !keyring_.needs_rotation(envelope)) continue;
      std::string plaintext;
      try {
        plaintext = keyring_.decrypt(envelope, associated_data(id, *field));
      } catch (const DecryptError& e) {
        throw with_context(e, id, *field);
      }
      args.push_back(name);
      args.push_back(envelope);
      args.push_back(keyring_.encrypt(plaintext, associated_data(id, *field)));
    }
    if (args.empty()) continue;
    rotated += static_cast<int>(
        kRotateScript.eval(redis_, {secrets_key(id)}, args, redis::Idempotent::yes).integer);
  }
  return rotated;
}

}  // namespace hbsync::tenant
