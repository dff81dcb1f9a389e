#include "hbsync/hubspot/oauth.hpp"

#include <openssl/rand.h>

#include <stdexcept>
#include <thread>

#include "hbsync/log/log.hpp"
#include "hbsync/redis/lease.hpp"
#include "json.hpp"

namespace hbsync::hubspot {

namespace {

using std::chrono::milliseconds;

int64_t system_now_ms() {
  return std::chrono::duration_cast<milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string space_joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) {
    if (!out.empty()) out += " ";
    out += s;
  }
  return out;
}

// How often a waiting replica looks at the store while another refreshes.
constexpr milliseconds kLeasePoll{50};

Error not_connected() {
  return Error{.kind = Error::not_connected, .message = "the tenant has no HubSpot connection"};
}

}  // namespace

const std::vector<std::string>& required_scopes() {
  static const std::vector<std::string> scopes = {
      "crm.objects.companies.read", "crm.objects.companies.write", "crm.objects.deals.read",
      "crm.objects.deals.write",    "crm.schemas.companies.write", "crm.objects.owners.read",
      "crm.objects.contacts.read",
  };
  return scopes;
}

std::string OAuth::new_state() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("RAND_bytes failed");
  static constexpr char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  // 6 bits per character from a 24-bit group; 32 bytes -> 43 characters.
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char b : bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += alphabet[(acc >> bits) & 0x3F];
    }
  }
  if (bits > 0) out += alphabet[(acc << (6 - bits)) & 0x3F];
  return out;
}

std::string OAuth::authorize_url(const std::string& redirect_uri, const std::string& state,
                                 const std::vector<std::string>& scopes,
                                 const std::vector<std::string>& optional_scopes) const {
  http::QueryParams q = {{"client_id", api_.options().client_id},
                         {"redirect_uri", redirect_uri},
                         {"scope", space_joined(scopes)}};
  if (!optional_scopes.empty()) q.emplace_back("optional_scope", space_joined(optional_scopes));
  q.emplace_back("state", state);
  const std::string& base = api_.options().authorize_url;
  return base + (base.find('?') == std::string::npos ? "?" : "&") + http::build_query(q);
}

Result<Tokens> OAuth::token_request(http::QueryParams form, bool creates) {
  form.emplace_back("client_id", api_.options().client_id);
  form.emplace_back("client_secret", api_.options().client_secret);
  Result<http::ClientResponse> response =
      api_.execute(Api::Call{.operation = Operation::oauth_token,
                             .method = "POST",
                             .path = api_.options().token_path,
                             .form_body = http::build_query(form),
                             .creates = creates},
                   nullptr, nullptr);
  if (!response) return response.error();
  std::string why;
  auto tokens = json::parse_tokens(response->body, system_now_ms(), why);
  if (!tokens) {
    return Error{.kind = Error::server, .status = response->status, .message = why, .attempts = 1};
  }
  return std::move(*tokens);
}

Result<Tokens> OAuth::exchange_code(const std::string& code, const std::string& redirect_uri) {
  // A code is single-use: resending after a lost answer would only fail.
  return token_request(
      {{"grant_type", "authorization_code"}, {"redirect_uri", redirect_uri}, {"code", code}}, true);
}

Result<Tokens> OAuth::refresh(const std::string& refresh_token) {
  Result<Tokens> result =
      token_request({{"grant_type", "refresh_token"}, {"refresh_token", refresh_token}}, false);
  if (!result && (result.error().category == "BAD_REFRESH_TOKEN" || result.error().status == 401)) {
    Error e = result.error();
    e.kind = Error::unauthorized;
    return e;
  }
  return result;
}

Result<TokenInfo> OAuth::token_info(const std::string& access_token) {
  Result<http::ClientResponse> response =
      api_.execute(Api::Call{.operation = Operation::oauth_token_info,
                             .path = "/oauth/v1/access-tokens/" + http::url_encode(access_token)},
                   nullptr, nullptr);
  if (!response) return response.error();
  std::string why;
  auto info = json::parse_token_info(response->body, why);
  if (!info) {
    return Error{.kind = Error::server, .status = response->status, .message = why, .attempts = 1};
  }
  return std::move(*info);
}

TokenProvider::TokenProvider(OAuth& oauth, tenant::Store& store, redis::Client& redis,
                             std::string tenant_id, Clock now_ms)
    : oauth_(oauth),
      store_(store),
      redis_(redis),
      tenant_id_(std::move(tenant_id)),
      now_ms_(now_ms ? std::move(now_ms) : Clock(system_now_ms)) {}

std::string TokenProvider::lease_key(const std::string& tenant_id) {
  return "hbsync:lease:hubspot-refresh:" + tenant_id;
}

std::optional<TokenProvider::Stored> TokenProvider::load() {
  std::optional<tenant::Settings> settings = store_.get(tenant_id_);
  if (!settings) return std::nullopt;
  return Stored{settings->hubspot.access_token, settings->hubspot.refresh_token,
                settings->hubspot.expires_at_ms};
}

bool TokenProvider::fresh(const Stored& s) const {
  if (s.refresh_token.empty() || s.expires_at_ms == 0) return true;  // private app
  return s.expires_at_ms - now_ms_() > oauth_.api().options().refresh_before.count();
}

Result<std::string> TokenProvider::token() {
  try {
    std::optional<Stored> s = load();
    if (!s || (s->access_token.empty() && s->refresh_token.empty())) return not_connected();
    if (fresh(*s) && !s->access_token.empty()) return s->access_token;
  } catch (const redis::Error& e) {
    return Error{.kind = Error::network,
                 .message = std::string("token store: ") + e.what(),
                 .redis_error = e.what()};
  } catch (const std::exception& e) {
    return Error{.kind = Error::network, .message = std::string("token store: ") + e.what()};
  }
  return refresh_once([this](const Stored& s) { return !s.access_token.empty() && fresh(s); });
}

Result<std::string> TokenProvider::after_unauthorized(const std::string& rejected) {
  try {
    std::optional<Stored> s = load();
    if (!s) return not_connected();
    if (!s->access_token.empty() && s->access_token != rejected) return s->access_token;
    if (s->refresh_token.empty()) {
      return Error{.kind = Error::unauthorized,
                   .status = 401,
                   .message = "HubSpot rejected the access token and there is no refresh token"};
    }
  } catch (const redis::Error& e) {
    return Error{.kind = Error::network,
                 .message = std::string("token store: ") + e.what(),
                 .redis_error = e.what()};
  } catch (const std::exception& e) {
    return Error{.kind = Error::network, .message = std::string("token store: ") + e.what()};
  }
  return refresh_once([rejected](const Stored& s) {
    return !s.access_token.empty() && s.access_token != rejected;
  });
}

Result<std::string> TokenProvider::refresh_once(
    const std::function<bool(const Stored&)>& still_good) {
  std::lock_guard lock(mutex_);
  const Options& options = oauth_.api().options();
  try {
    redis::Lease lease(redis_, lease_key(tenant_id_), options.refresh_lease);
    std::optional<Stored> s;
    // Nothing left to do here: gone, refreshed by another replica, or not
    // refreshable.
    auto settled = [&] {
      s = load();
      return !s || still_good(*s) || s->refresh_token.empty();
    };
    // A holder that died keeps the lease at most refresh_lease; then one of
    // the waiters takes it over.
    const auto deadline = redis::Lease::Clock::now() + 2 * options.refresh_lease;
    if (!lease.acquire(deadline, kLeasePoll, settled)) {
      if (!s) return not_connected();
      if (still_good(*s)) return s->access_token;
      if (s->refresh_token.empty()) {
        return Error{.kind = Error::unauthorized, .message = "no refresh token"};
      }
      return Error{.kind = Error::network,
                   .message = "another replica's token refresh did not finish in time"};
    }
    // Deletes the lease only if it is still ours: after a slow refresh it may
    // have expired and been taken by another replica.
    struct Release {
      redis::Lease& lease;
      ~Release() {
        try {
          lease.release();
        } catch (const redis::Error&) {
          // It expires by itself.
        }
      }
    } release{lease};
    // Another replica may have finished between our read and the lease.
    if (settled()) {
      if (!s) return not_connected();
      if (still_good(*s)) return s->access_token;
      return Error{.kind = Error::unauthorized, .message = "no refresh token"};
    }
    return refresh_held(*s);
  } catch (const redis::Error& e) {
    return Error{.kind = Error::network,
                 .message = std::string("token refresh: ") + e.what(),
                 .redis_error = e.what()};
  } catch (const std::exception& e) {
    return Error{.kind = Error::network, .message = std::string("token refresh: ") + e.what()};
  }
}

Result<std::string> TokenProvider::refresh_held(const Stored& s) {
  Result<Tokens> fresh_tokens = oauth_.refresh(s.refresh_token);
  if (!fresh_tokens) {
    Error e = fresh_tokens.error();
    log::warn("HubSpot token refresh failed",
              {{"tenant", tenant_id_}, {"reason", to_string(e.kind)}, {"status", e.status}});
    // Refreshing early leaves time: a token not yet expired still works.
    if (e.kind != Error::unauthorized && !s.access_token.empty() && s.expires_at_ms > now_ms_()) {
      return s.access_token;
    }
    return e;
  }
  const std::string refresh_token =
      fresh_tokens->refresh_token.empty() ? s.refresh_token : fresh_tokens->refresh_token;
  const bool stored = store_.put_hubspot_tokens(tenant_id_, fresh_tokens->access_token,
                                                refresh_token, fresh_tokens->expires_at_ms);
  ++refreshes_;
  if (!stored) return not_connected();  // the tenant was removed meanwhile
  log::info("HubSpot access token refreshed", {{"tenant", tenant_id_}});
  return fresh_tokens->access_token;
}

TokenSource& TokenProviders::for_tenant(const std::string& tenant_id) {
  std::lock_guard lock(mutex_);
  auto& slot = providers_[tenant_id];
  if (!slot) slot = std::make_unique<TokenProvider>(oauth_, store_, redis_, tenant_id);
  return *slot;
}

}  // namespace hbsync::hubspot
