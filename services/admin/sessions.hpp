// Console sessions and OAuth sign-in states in Redis (SPEC F8, section 3
// Security). Server-side: the browser holds only a random id in an HttpOnly
// cookie; Redis keys carry the id's SHA-256, never the id itself, so a Redis
// dump cannot be replayed as cookies.
//
//   hbsync:admin:session:<sha256 hex of id>   hash tenant, csrf, created_at_ms; PX = session TTL
//   hbsync:admin:oauth:<sha256 hex of state>  string: sha256 hex of the browser nonce; PX = 10 min
//
// The OAuth `state` is bound to the browser that started the sign-in: a
// second cookie (hbsync_oauth, the nonce) must come back with the callback,
// and the state is single-use (GETDEL).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "hbsync/redis/redis.hpp"

namespace hbsync::admin {

struct Session {
  std::string id{};  // the cookie value (random, base64url); empty when not signed in
  std::string tenant_id{};
  std::string csrf{};  // sent back in X-CSRF-Token on state-changing requests
  int64_t created_at_ms = 0;
};

struct SignInStart {
  std::string state{};  // for the authorize URL
  std::string nonce{};  // for the hbsync_oauth cookie
};

class Sessions {
 public:
  // `redis` must outlive the Sessions.
  Sessions(redis::Client& redis, std::chrono::milliseconds ttl);

  Session create(const std::string& tenant_id);
  // nullopt when unknown or expired. Sliding expiry: a found session's TTL
  // starts again.
  std::optional<Session> find(const std::string& id);
  void destroy(const std::string& id);
  // Every session of the tenant ends (disconnect).
  void destroy_tenant(const std::string& tenant_id);

  SignInStart start_sign_in();
  // True once for a state issued by start_sign_in with this nonce.
  bool finish_sign_in(const std::string& state, const std::string& nonce);

  std::chrono::milliseconds ttl() const { return ttl_; }

 private:
  redis::Client& redis_;
  std::chrono::milliseconds ttl_;
};

}  // namespace hbsync::admin
