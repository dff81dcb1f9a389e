#include "oauth.hpp"

#include <stdexcept>

namespace hbsync::sim_hubspot {
namespace {

constexpr int64_t kCodeLifetimeMs = 5 * 60 * 1000;
// Expired tokens are remembered this long so a late call still gets
// EXPIRED_AUTHENTICATION rather than "invalid".
constexpr int64_t kExpiredMemoryMs = 24 * 3600 * 1000;

std::string form_value(const http::QueryParams& form, const std::string& name) {
  for (const auto& [key, value] : form) {
    if (key == name) return value;
  }
  return "";
}

OAuthStore::Grant failure(std::string status, std::string message) {
  OAuthStore::Grant grant;
  grant.error_status = std::move(status);
  grant.error_message = std::move(message);
  return grant;
}

}  // namespace

OAuthStore::OAuthStore(WallClock clock, std::chrono::milliseconds access_ttl)
    : clock_(std::move(clock)), access_ttl_(access_ttl) {}

const App& OAuthStore::add_app(App app) {
  if (app.client_id.empty()) throw std::invalid_argument("client_id must not be empty");
  if (app_by_client(app.client_id) != nullptr) {
    throw std::invalid_argument("client_id already registered");
  }
  if (app.app_id == 0) app.app_id = next_app_id_;
  if (apps_.count(app.app_id) > 0) throw std::invalid_argument("app id already registered");
  next_app_id_ = std::max(next_app_id_, app.app_id + 1);
  int64_t id = app.app_id;
  return apps_.emplace(id, std::move(app)).first->second;
}

App* OAuthStore::app(int64_t app_id) {
  auto it = apps_.find(app_id);
  return it == apps_.end() ? nullptr : &it->second;
}

App* OAuthStore::app_by_client(const std::string& client_id) {
  for (auto& [id, app] : apps_) {
    if (app.client_id == client_id) return &app;
  }
  return nullptr;
}

std::vector<const App*> OAuthStore::apps() const {
  std::vector<const App*> out;
  for (const auto& [id, app] : apps_) out.push_back(&app);
  return out;
}

std::string OAuthStore::issue_code(const App& app, const std::string& redirect_uri,
                                   std::vector<std::string> scopes, const Installation& install) {
  std::string code = "na1-" + new_correlation_id();
  codes_[code] =
      Code{app.client_id, redirect_uri, std::move(scopes), install, clock_() + kCodeLifetimeMs};
  return code;
}

OAuthStore::Grant OAuthStore::grant_for(const App& app, const std::vector<std::string>& scopes,
                                        const Installation& install, std::string refresh_token,
                                        std::chrono::milliseconds ttl) {
  prune();
  TokenInfo info;
  // Real access tokens are long opaque strings (up to 300 characters).
  info.token = "C" + random_token(120);
  info.portal_id = install.portal_id;
  info.app_id = app.app_id;
  info.scopes = scopes;
  info.issued_ms = clock_();
  info.expires_ms = info.issued_ms + (ttl.count() > 0 ? ttl : access_ttl_).count();
  info.user = install.user;
  info.user_id = install.user_id;
  info.hub_domain = install.hub_domain;
  tokens_[info.token] = info;
  Grant grant;
  grant.access = info;
  grant.refresh_token = std::move(refresh_token);
  return grant;
}

OAuthStore::Grant OAuthStore::exchange(const http::QueryParams& form) {
  std::string grant_type = form_value(form, "grant_type");
  if (grant_type != "authorization_code" && grant_type != "refresh_token") {
    return failure("BAD_GRANT_TYPE", "missing or unsupported grant_type");
  }
  App* app = app_by_client(form_value(form, "client_id"));
  if (app == nullptr) return failure("BAD_CLIENT_ID", "missing or unknown client id");
  if (form_value(form, "client_secret") != app->client_secret) {
    return failure("BAD_CLIENT_SECRET", "missing or invalid client secret");
  }
  if (grant_type == "refresh_token") {
    auto it = refresh_.find(form_value(form, "refresh_token"));
    if (it == refresh_.end() || it->second.client_id != app->client_id) {
      return failure("BAD_REFRESH_TOKEN", "missing or invalid refresh token");
    }
    // HubSpot keeps the refresh token; only the access token is new.
    return grant_for(*app, it->second.scopes, it->second.install, it->first,
                     std::chrono::milliseconds(0));
  }
  auto it = codes_.find(form_value(form, "code"));
  if (it == codes_.end() || it->second.client_id != app->client_id) {
    return failure("BAD_AUTH_CODE", "missing or unknown auth code");
  }
  if (it->second.expires_ms < clock_()) {
    codes_.erase(it);
    return failure("EXPIRED_AUTH_CODE", "auth code is expired");
  }
  if (form_value(form, "redirect_uri") != it->second.redirect_uri) {
    return failure("BAD_REDIRECT_URI", "redirect_uri does not match initial auth code URL");
  }
  Code code = std::move(it->second);
  codes_.erase(it);  // single use
  std::string refresh_token = "na1-" + new_correlation_id();
  refresh_[refresh_token] = Refresh{app->client_id, code.scopes, code.install};
  return grant_for(*app, code.scopes, code.install, refresh_token, std::chrono::milliseconds(0));
}

OAuthStore::Grant OAuthStore::issue(const App& app, std::vector<std::string> scopes,
                                    const Installation& install, std::chrono::milliseconds ttl) {
  std::string refresh_token = "na1-" + new_correlation_id();
  refresh_[refresh_token] = Refresh{app.client_id, scopes, install};
  return grant_for(app, scopes, install, refresh_token, ttl);
}

void OAuthStore::add_static(const std::string& token, std::vector<std::string> scopes,
                            const Installation& install) {
  TokenInfo info;
  info.token = token;
  info.portal_id = install.portal_id;
  info.scopes = std::move(scopes);
  info.issued_ms = clock_();
  info.user = install.user;
  info.user_id = install.user_id;
  info.hub_domain = install.hub_domain;
  tokens_[token] = std::move(info);
}

OAuthStore::Lookup OAuthStore::lookup(const std::string& token) const {
  Lookup result;
  auto it = tokens_.find(token);
  if (it == tokens_.end()) return result;
  result.info = &it->second;
  int64_t now = clock_();
  if (it->second.expires_ms != 0 && it->second.expires_ms <= now) {
    result.status = Status::expired;
    result.expired_for_ms = now - it->second.expires_ms;
  } else {
    result.status = Status::ok;
  }
  return result;
}

void OAuthStore::clear_tokens() {
  codes_.clear();
  refresh_.clear();
  tokens_.clear();
}

void OAuthStore::prune() {
  if (++issued_since_prune_ < 1000) return;
  issued_since_prune_ = 0;
  int64_t now = clock_();
  for (auto it = tokens_.begin(); it != tokens_.end();) {
    bool stale = it->second.expires_ms != 0 && it->second.expires_ms + kExpiredMemoryMs < now;
    it = stale ? tokens_.erase(it) : std::next(it);
  }
  for (auto it = codes_.begin(); it != codes_.end();) {
    it = it->second.expires_ms < now ? codes_.erase(it) : std::next(it);
  }
}

}  // namespace hbsync::sim_hubspot
