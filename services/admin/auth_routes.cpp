// Sign-in (HubSpot OAuth), the session and disconnect: docs/admin-api.yaml,
// section "sign-in and session". The OAuth pages are auth_callback.cpp.
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "auth.hpp"
#include "hbsync/log/log.hpp"

namespace hbsync::admin {
namespace {

http::Response no_content() {
  http::Response r;
  r.status = 204;
  return r;
}

// GET /api/v1/session: who is signed in, and the CSRF token.
http::Response session_info(Services& services, Call& call) {
  const std::optional<tenant::Settings> s = services.store.get(call.tenant_id);
  if (!s) {
    // The tenant was removed (hbsync-ctl tenant remove): the session ends.
    services.sessions.destroy(call.session.id);
    http::Response r = api_error(401, "unauthenticated",
                                 "このHubSpotアカウントの設定は削除されました。もう一度"
                                 "サインインしてください。");
    r.headers.add("Set-Cookie", auth::cleared_session_cookie(services.config));
    return r;
  }
  rapidjson::StringBuffer out;
  rapidjson::Writer<rapidjson::StringBuffer> w(out);
  w.StartObject();
  w.Key("tenant_id");
  w.String(s->tenant_id.c_str());
  w.Key("hub_domain");
  w.String(s->hubspot.hub_domain.c_str());
  w.Key("user");
  w.String(s->hubspot.user.c_str());
  w.Key("csrf_token");
  w.String(call.session.csrf.c_str());
  w.Key("hubspot_connected");
  w.Bool(s->hubspot.connected());
  w.Key("board_connected");
  w.Bool(!s->board.api_key.empty() && !s->board.api_token.empty());
  w.EndObject();
  return json_ok(out.GetString());
}

// DELETE /api/v1/session: sign out.
http::Response sign_out(Services& services, Call& call) {
  services.sessions.destroy(call.session.id);
  http::Response r = no_content();
  r.headers.add("Set-Cookie", auth::cleared_session_cookie(services.config));
  return r;
}

// POST /api/v1/hubspot/disconnect: the tokens go, and every session of the
// tenant with them (signing in again connects again).
http::Response disconnect(Services& services, Call& call) {
  services.store.put_hubspot_tokens(call.tenant_id, "", "", 0);
  services.sessions.destroy_tenant(call.tenant_id);
  log::info("admin: HubSpot disconnected", {{"tenant", call.tenant_id}});
  http::Response r = no_content();
  r.headers.add("Set-Cookie", auth::cleared_session_cookie(services.config));
  return r;
}

}  // namespace

void add_auth_routes(http::Router&, Api& api, Services& services) {
  api.add_page("GET", "/auth/login", [&services](http::Request&) { return auth::login(services); });
  api.add_page("GET", "/auth/callback",
               [&services](http::Request& request) { return auth::callback(services, request); });
  api.add("GET", "/api/v1/session",
          [&services](Call& call) { return session_info(services, call); });
  api.add("DELETE", "/api/v1/session",
          [&services](Call& call) { return sign_out(services, call); });
  api.add("POST", "/api/v1/hubspot/disconnect",
          [&services](Call& call) { return disconnect(services, call); });
}

}  // namespace hbsync::admin
