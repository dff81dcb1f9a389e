#include "sessions.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <cstdio>

#include "hbsync/hubspot/oauth.hpp"
#include "hbsync/tenant/keys.hpp"

namespace hbsync::admin {
namespace {

constexpr int64_t kSignInTtlMs = 10 * 60 * 1000;

std::string sha256_hex(const std::string& text) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  std::string out;
  out.reserve(2 * sizeof digest);
  char byte[3];
  for (unsigned char b : digest) {
    std::snprintf(byte, sizeof byte, "%02x", b);
    out += byte;
  }
  return out;
}

std::string session_key(const std::string& id) {
  return "hbsync:admin:session:" + sha256_hex(id);
}
std::string sign_in_key(const std::string& state) {
  return "hbsync:admin:oauth:" + sha256_hex(state);
}
// Set of the tenant's session keys, for disconnect (members expire lazily:
// destroy_tenant deletes what is still there).
std::string tenant_sessions_key(const std::string& tenant_id) {
  return tenant::keys::tenant(tenant_id, "admin_sessions");
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Sessions::Sessions(redis::Client& redis, std::chrono::milliseconds ttl)
    : redis_(redis), ttl_(ttl) {}

Session Sessions::create(const std::string& tenant_id) {
  Session s{.id = hubspot::OAuth::new_state(),
            .tenant_id = tenant_id,
            .csrf = hubspot::OAuth::new_state(),
            .created_at_ms = now_ms()};
  const std::string key = session_key(s.id);
  const std::string ttl = std::to_string(ttl_.count());
  const auto replies = redis_.pipeline({{"HSET", key, "tenant", s.tenant_id, "csrf", s.csrf,
                                         "created_at_ms", std::to_string(s.created_at_ms)},
                                        {"PEXPIRE", key, ttl},
                                        {"SADD", tenant_sessions_key(tenant_id), key},
                                        {"PEXPIRE", tenant_sessions_key(tenant_id), ttl}});
  for (const auto& r : replies) r.throw_if_error();
  return s;
}

std::optional<Session> Sessions::find(const std::string& id) {
  if (id.empty() || id.size() > 128) return std::nullopt;
  const std::string key = session_key(id);
  redis::Reply r = redis_.command({"HMGET", key, "tenant", "csrf", "created_at_ms"});
  r.throw_if_error();
  if (r.elements.size() != 3 || r.elements[0].type != redis::Reply::Type::string ||
      r.elements[1].type != redis::Reply::Type::string) {
    return std::nullopt;
  }
  Session s{
      .id = id, .tenant_id = r.elements[0].str, .csrf = r.elements[1].str, .created_at_ms = 0};
  if (r.elements[2].type == redis::Reply::Type::string) {
    s.created_at_ms = std::strtoll(r.elements[2].str.c_str(), nullptr, 10);
  }
  // Sliding expiry: the session, and the tenant's set that lets disconnect
  // find it, live another TTL from now.
  const std::string ttl = std::to_string(ttl_.count());
  const auto replies =
      redis_.pipeline({{"PEXPIRE", key, ttl}, {"PEXPIRE", tenant_sessions_key(s.tenant_id), ttl}});
  for (const auto& reply : replies) reply.throw_if_error();
  return s;
}

void Sessions::destroy(const std::string& id) {
  if (id.empty() || id.size() > 128) return;
  const std::string key = session_key(id);
  redis::Reply tenant = redis_.command({"HGET", key, "tenant"});
  tenant.throw_if_error();
  std::vector<std::vector<std::string>> commands{{"DEL", key}};
  if (tenant.type == redis::Reply::Type::string) {
    commands.push_back({"SREM", tenant_sessions_key(tenant.str), key});
  }
  for (const auto& reply : redis_.pipeline(commands)) reply.throw_if_error();
}

void Sessions::destroy_tenant(const std::string& tenant_id) {
  // One script: a session created meanwhile is either in the set (and
  // deleted) or created after it (and kept: it signed in after disconnect).
  static const redis::Script script(R"(
local members = redis.call('SMEMBERS', KEYS[1])
for _, key in ipairs(members) do redis.call('DEL', key) end
redis.call('DEL', KEYS[1])
return #members
)");
  script.eval(redis_, {tenant_sessions_key(tenant_id)}, {}, redis::Idempotent::yes)
      .throw_if_error();
}

SignInStart Sessions::start_sign_in() {
  SignInStart s{.state = hubspot::OAuth::new_state(), .nonce = hubspot::OAuth::new_state()};
  redis_
      .command(
          {"SET", sign_in_key(s.state), sha256_hex(s.nonce), "PX", std::to_string(kSignInTtlMs)})
      .throw_if_error();
  return s;
}

bool Sessions::finish_sign_in(const std::string& state, const std::string& nonce) {
  if (state.empty() || state.size() > 128) return false;
  // Single use whatever the outcome (no nonce, another browser's nonce): a
  // state seen once cannot be tried again.
  redis::Reply r = redis_.command({"GETDEL", sign_in_key(state)}, redis::Idempotent::no);
  r.throw_if_error();
  if (nonce.empty() || r.type != redis::Reply::Type::string) return false;
  const std::string expected = sha256_hex(nonce);
  return r.str.size() == expected.size() &&
         CRYPTO_memcmp(r.str.data(), expected.data(), expected.size()) == 0;
}

}  // namespace hbsync::admin
