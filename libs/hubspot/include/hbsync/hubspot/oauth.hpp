// F1.2: the OAuth install flow and tokens that stay valid.
//
// TokenProvider keeps one tenant's access token fresh. Tokens live in
// tenant::Store (encrypted). When the stored token is within
// Options::refresh_before of expiry (or HubSpot rejected it), one replica
// refreshes it: only the holder of the Redis lease
//   hbsync:lease:hubspot-refresh:<tenant>   string, random owner id, PX = refresh_lease
// calls HubSpot and writes the new tokens with Store::put_hubspot_tokens;
// the others wait for the stored token to change (or the lease to go) and
// re-read it. A refresh token used twice at once would be harmless to
// HubSpot, but two replicas writing different access tokens would race, and
// every replica refreshing every tenant multiplies token calls.
// Private-app tokens (no refresh token) are used as they are.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "hbsync/hubspot/api.hpp"
#include "hbsync/tenant/store.hpp"

namespace hbsync::hubspot {

struct Tokens {
  std::string access_token{};
  std::string refresh_token{};
  int64_t expires_in_s = 0;
  int64_t expires_at_ms = 0;  // our clock when the answer came + expires_in
};

// GET /oauth/v1/access-tokens/{token}: the connected account (F1.2).
struct TokenInfo {
  std::string hub_domain{};
  std::string user{};  // the installing user's e-mail: personal data
  int64_t hub_id = 0;
  int64_t app_id = 0;
  int64_t user_id = 0;
  int64_t expires_in_s = 0;
  std::vector<std::string> scopes{};
};

// The scopes this app asks for (reference/hubspot.md "Scopes needed").
const std::vector<std::string>& required_scopes();

class OAuth {
 public:
  explicit OAuth(Api& api) : api_(api) {}

  // 32 random bytes, base64url: the `state` to keep (e.g. in the session)
  // and compare on the callback.
  static std::string new_state();
  // Options::authorize_url?client_id&redirect_uri&scope (space-joined)
  // [&optional_scope]&state.
  std::string authorize_url(const std::string& redirect_uri, const std::string& state,
                            const std::vector<std::string>& scopes = required_scopes(),
                            const std::vector<std::string>& optional_scopes = {}) const;

  // grant_type=authorization_code. HubSpot's 400 (BAD_AUTH_CODE, ...) is
  // Error::validation with the status name in `category`.
  Result<Tokens> exchange_code(const std::string& code, const std::string& redirect_uri);
  // grant_type=refresh_token. A refused refresh token is Error::unauthorized:
  // the tenant has to connect again.
  Result<Tokens> refresh(const std::string& refresh_token);
  Result<TokenInfo> token_info(const std::string& access_token);

  Api& api() const { return api_; }

 private:
  Result<Tokens> token_request(http::QueryParams form, bool creates);

  Api& api_;
};

class TokenProvider : public TokenSource {
 public:
  using Clock = std::function<int64_t()>;  // epoch milliseconds

  // All must outlive the provider. One per tenant per process; thread-safe.
  TokenProvider(OAuth& oauth, tenant::Store& store, redis::Client& redis, std::string tenant_id,
                Clock now_ms = {});

  Result<std::string> token() override;
  Result<std::string> after_unauthorized(const std::string& rejected) override;

  // Refreshes performed by this instance (tests).
  int refreshes() const { return refreshes_; }

  static std::string lease_key(const std::string& tenant_id);

 private:
  struct Stored {
    std::string access_token;
    std::string refresh_token;
    int64_t expires_at_ms = 0;
  };
  std::optional<Stored> load();
  bool fresh(const Stored& s) const;
  // Refreshes unless `still_good` says the stored tokens no longer need it.
  Result<std::string> refresh_once(const std::function<bool(const Stored&)>& still_good);
  // Calls HubSpot and stores the new tokens; the caller holds the lease.
  Result<std::string> refresh_held(const Stored& s);

  OAuth& oauth_;
  tenant::Store& store_;
  redis::Client& redis_;
  std::string tenant_id_;
  Clock now_ms_;
  std::mutex mutex_;  // one refresh attempt per process at a time
  int refreshes_ = 0;
};

// One TokenProvider per tenant for a whole process (mapper, writer, ...),
// made on first use. Thread-safe; all references must outlive it.
class TokenProviders {
 public:
  TokenProviders(OAuth& oauth, tenant::Store& store, redis::Client& redis)
      : oauth_(oauth), store_(store), redis_(redis) {}

  TokenSource& for_tenant(const std::string& tenant_id);

 private:
  OAuth& oauth_;
  tenant::Store& store_;
  redis::Client& redis_;
  std::mutex mutex_;
  std::map<std::string, std::unique_ptr<TokenProvider>> providers_;
};

}  // namespace hbsync::hubspot
