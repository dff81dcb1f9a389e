// OAuth: GET /oauth/authorize (approves at once), POST /oauth/v1/token and
// /oauth/v3/token, GET /oauth/v1/access-tokens/{token}.
#include <algorithm>

#include "api_error.hpp"
#include "hbsync/http/url.hpp"
#include "hbsync/log/log.hpp"
#include "simulator.hpp"

namespace hbsync::sim_hubspot {
namespace {

std::vector<std::string> split_scopes(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find_first_of(" +", start);
    if (end == std::string::npos) end = text.size();
    if (end > start) out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

bool is_form(const http::Request& request) {
  auto type = request.headers.get("Content-Type");
  if (!type) return false;
  std::string_view value = *type;
  value = value.substr(0, value.find(';'));
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  return http::iequals(value, "application/x-www-form-urlencoded");
}

}  // namespace

void Simulator::install_oauth(http::Router& router) {
  simkit::add_api_route_sync(
      router, kit_, "GET", "/oauth/authorize", [this](http::Request& request) {
        std::string client_id = request.query_param("client_id").value_or("");
        std::string redirect_uri = request.query_param("redirect_uri").value_or("");
        std::string scope = request.query_param("scope").value_or("");
        std::string optional_scope = request.query_param("optional_scope").value_or("");
        auto state = request.query_param("state");
        auto portal_param = request.query_param("portal_id");

        std::lock_guard lock(mutex_);
        App* app = oauth_.app_by_client(client_id);
        if (app == nullptr) return oauth_error("BAD_CLIENT_ID", "missing or unknown client id");
        if (std::find(app->redirect_uris.begin(), app->redirect_uris.end(), redirect_uri) ==
            app->redirect_uris.end()) {
          return oauth_error(
              "BAD_REDIRECT_URI",
              "Authorization failed because the redirect URL doesn't match the app's "
              "registered redirect URL");
        }
        std::vector<std::string> scopes = split_scopes(scope);
        if (scopes.empty()) return oauth_error("BAD_SCOPE", "scope is required");
        for (const std::string& s : split_scopes(optional_scope)) {
          if (std::find(scopes.begin(), scopes.end(), s) == scopes.end()) scopes.push_back(s);
        }
        int64_t portal_id = options_.default_portal_id;
        if (portal_param) {
          auto parsed = parse_id(*portal_param);
          if (!parsed || *parsed == 0) {
            return oauth_error("BAD_PORTAL_ID", "portal_id must be a positive integer");
          }
          portal_id = *parsed;
        }
        Portal& portal = ensure_portal(portal_id);
        portal.installed_apps.insert(app->app_id);
        std::string code = oauth_.issue_code(*app, redirect_uri, scopes, installation(portal));
        std::string location = redirect_uri;
        location += redirect_uri.find('?') == std::string::npos ? '?' : '&';
        location += "code=" + http::url_encode(code);
        if (state) location += "&state=" + http::url_encode(*state);
        log::info("oauth approved", {{"portal_id", portal.id()}, {"app_id", app->app_id}});
        http::Response response;
        response.status = 302;
        response.headers.set("Location", location);
        return response;
      });

  auto token = [this](http::Request& request) {
    http::QueryParams form;
    if (is_form(request)) form = http::parse_query(request.body);
    // The OpenAPI description also lists these two as query parameters.
    for (const auto& [k, v] : request.query()) {
      if (k == "client_secret" || k == "refresh_token") form.emplace_back(k, v);
    }
    std::lock_guard lock(mutex_);
    OAuthStore::Grant grant = oauth_.exchange(form);
    if (!grant.access) return oauth_error(grant.error_status, grant.error_message);
    const TokenInfo& info = *grant.access;
    int64_t expires_in = std::max<int64_t>(1, (info.expires_ms - info.issued_ms) / 1000);
    return http::Response::json(200, write_json([&](JsonWriter& w) {
                                  w.StartObject();
                                  key(w, "token_type");
                                  string(w, "bearer");
                                  key(w, "refresh_token");
                                  string(w, grant.refresh_token);
                                  key(w, "access_token");
                                  string(w, info.token);
                                  key(w, "expires_in");
                                  w.Int64(expires_in);
                                  key(w, "token_use");
                                  string(w, "access_token");
                                  key(w, "hub_id");
                                  w.Int64(info.portal_id);
                                  key(w, "user_id");
                                  w.Int64(info.user_id);
                                  key(w, "scopes");
                                  w.StartArray();
                                  for (const std::string& s : info.scopes) string(w, s);
                                  w.EndArray();
                                  w.EndObject();
                                }));
  };
  simkit::add_api_route_sync(router, kit_, "POST", "/oauth/v1/token", token);
  simkit::add_api_route_sync(router, kit_, "POST", "/oauth/v3/token", token);

  simkit::add_api_route_sync(
      router, kit_, "GET", "/oauth/v1/access-tokens/{token}", [this](http::Request& request) {
        std::string token = request.path_param("token").value_or("");
        std::lock_guard lock(mutex_);
        auto found = oauth_.lookup(token);
        if (found.status == OAuthStore::Status::unknown) {
          return plain_error(404, "OBJECT_NOT_FOUND", "Token not found");
        }
        if (found.status == OAuthStore::Status::expired) {
          return plain_error(401, "EXPIRED_AUTHENTICATION", "The token is expired");
        }
        const TokenInfo& info = *found.info;
        int64_t remaining = info.expires_ms == 0
                                ? 0
                                : std::max<int64_t>(0, (info.expires_ms - options_.clock()) / 1000);
        return http::Response::json(200, write_json([&](JsonWriter& w) {
                                      w.StartObject();
                                      key(w, "token");
                                      string(w, info.token);
                                      key(w, "user");
                                      string(w, info.user);
                                      key(w, "hub_domain");
                                      string(w, info.hub_domain);
                                      key(w, "scopes");
                                      w.StartArray();
                                      for (const std::string& s : info.scopes) string(w, s);
                                      w.EndArray();
                                      key(w, "hub_id");
                                      w.Int64(info.portal_id);
                                      key(w, "app_id");
                                      w.Int64(info.app_id);
                                      key(w, "expires_in");
                                      w.Int64(remaining);
                                      key(w, "user_id");
                                      w.Int64(info.user_id);
                                      key(w, "token_type");
                                      string(w, "access");
                                      key(w, "is_private_distribution");
                                      w.Bool(false);
                                      w.EndObject();
                                    }));
      });
}

}  // namespace hbsync::sim_hubspot
