// OAuth apps, authorization codes, access and refresh tokens, and the
// private-app tokens tests seed. Pure state with an injectable clock; the
// Simulator serialises access.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "hbsync/http/url.hpp"
#include "util.hpp"

namespace hbsync::sim_hubspot {

struct App {
  int64_t app_id = 0;
  std::string client_id;
  std::string client_secret;
  std::vector<std::string> redirect_uris;
  std::string webhook_url;  // empty: the simulator's default target
  int max_concurrent = 0;   // webhook requests in flight per portal; 0: the default
  // Event types this app receives: "deal.creation", "deal.propertyChange"
  // (every property) or "deal.propertyChange:dealstage". Empty: all.
  std::set<std::string> subscriptions;
  std::map<std::string, int64_t> subscription_ids;  // lazily assigned, stable
};

struct TokenInfo {
  std::string token;
  int64_t portal_id = 0;
  int64_t app_id = 0;  // 0: private-app token
  std::vector<std::string> scopes;
  int64_t issued_ms = 0;
  int64_t expires_ms = 0;  // 0: never (private-app tokens)
  std::string user;
  int64_t user_id = 0;
  std::string hub_domain;
};

struct Installation {
  int64_t portal_id = 0;
  std::string user;
  int64_t user_id = 0;
  std::string hub_domain;
};

class OAuthStore {
 public:
  OAuthStore(WallClock clock, std::chrono::milliseconds access_ttl);

  // Throws std::invalid_argument when the client id is taken.
  const App& add_app(App app);
  App* app(int64_t app_id);
  App* app_by_client(const std::string& client_id);
  std::vector<const App*> apps() const;

  std::chrono::milliseconds access_ttl() const { return access_ttl_; }

  // GET /oauth/authorize after its checks: a single-use code for this app,
  // redirect URI, scopes and portal.
  std::string issue_code(const App& app, const std::string& redirect_uri,
                         std::vector<std::string> scopes, const Installation& install);

  struct Grant {
    std::optional<TokenInfo> access;  // set on success
    std::string refresh_token;
    std::string error_status;  // BAD_AUTH_CODE, BAD_CLIENT_ID, ... on failure
    std::string error_message;
  };
  // POST /oauth/v1/token (and v3) form parameters.
  Grant exchange(const http::QueryParams& form);

  // Tokens without the OAuth dance (control API). ttl 0: the default.
  Grant issue(const App& app, std::vector<std::string> scopes, const Installation& install,
              std::chrono::milliseconds ttl = std::chrono::milliseconds(0));
  void add_static(const std::string& token, std::vector<std::string> scopes,
                  const Installation& install);

  enum class Status { ok, unknown, expired };
  struct Lookup {
    Status status = Status::unknown;
    const TokenInfo* info = nullptr;  // ok and expired
    int64_t expired_for_ms = 0;
  };
  Lookup lookup(const std::string& token) const;

  // Apps and their settings stay; codes and tokens go.
  void clear_tokens();

 private:
  struct Code {
    std::string client_id;
    std::string redirect_uri;
    std::vector<std::string> scopes;
    Installation install;
    int64_t expires_ms = 0;
  };
  struct Refresh {
    std::string client_id;
    std::vector<std::string> scopes;
    Installation install;
  };

  Grant grant_for(const App& app, const std::vector<std::string>& scopes,
                  const Installation& install, std::string refresh_token,
                  std::chrono::milliseconds ttl);
  void prune();

  WallClock clock_;
  std::chrono::milliseconds access_ttl_;
  int64_t next_app_id_ = 1000001;
  std::map<int64_t, App> apps_;
  std::map<std::string, Code> codes_;
  std::map<std::string, Refresh> refresh_;
  std::map<std::string, TokenInfo> tokens_;
  int issued_since_prune_ = 0;
};

}  // namespace hbsync::sim_hubspot
