// GET /auth/login and GET /auth/callback: HubSpot sign-in (F1.2, F8).
//
// The portal that signs in is the tenant. Its first sign-in (installing the
// app) creates the tenant with default settings and the pipelines read from
// HubSpot (F1.3); later sign-ins store the new tokens and the connected
// account (hub_domain, user). Neither the code, the tokens nor the user's
// e-mail is ever logged.
#include <stdexcept>

#include "auth.hpp"
#include "hbsync/log/log.hpp"

namespace hbsync::admin::auth {
namespace {

constexpr int kPutAttempts = 3;

http::Response refused_state() {
  return error_page(400, "サインインを確認できませんでした",
                    "サインインの確認情報が一致しないか、有効期限 (10分) が切れているか、すでに"
                    "使われています。別のブラウザやタブで始めたサインインは完了できません。"
                    "もう一度「HubSpotでログイン」からやり直してください。");
}

// HubSpot refused (4xx): the code is wrong, used or expired, or the app's
// credentials are. Anything else: HubSpot could not be asked.
http::Response hubspot_failed(const hubspot::Error& e, std::string_view step) {
  const bool refused = e.kind == hubspot::Error::validation ||
                       e.kind == hubspot::Error::unauthorized ||
                       e.kind == hubspot::Error::forbidden || e.kind == hubspot::Error::not_found ||
                       e.kind == hubspot::Error::conflict;
  log::warn("admin sign-in: HubSpot did not complete it", {{"step", step},
                                                           {"kind", hubspot::to_string(e.kind)},
                                                           {"status", e.status},
                                                           {"category", e.category}});
  if (refused) {
    return error_page(400, "HubSpotがサインインを受け付けませんでした",
                      "HubSpotが認可コードを受け付けませんでした (期限切れか使用済みです)。"
                      "もう一度「HubSpotでログイン」からやり直してください。");
  }
  return error_page(502, "HubSpotに接続できませんでした",
                    "HubSpotとの通信に失敗したため、サインインを完了できませんでした。"
                    "しばらくしてから、もう一度「HubSpotでログイン」からお試しください。");
}

bool is_conflict(const tenant::PutResult& put) {
  return put.errors.size() == 1 && put.errors.front().code == "version_conflict";
}

void apply_connection(tenant::Settings& s, const hubspot::Tokens& tokens,
                      const hubspot::TokenInfo& info) {
  s.hubspot.access_token = tokens.access_token;
  s.hubspot.refresh_token = tokens.refresh_token;
  s.hubspot.expires_at_ms = tokens.expires_at_ms;
  s.hubspot.hub_id = info.hub_id;
  s.hubspot.hub_domain = info.hub_domain;
  s.hubspot.user = info.user;
}

// Default settings for a portal's first sign-in, with its deal pipelines
// when HubSpot answers (otherwise they are loaded later, F1.3).
tenant::Settings new_tenant(Services& services, const std::string& tenant_id,
                            const hubspot::Tokens& tokens, const hubspot::TokenInfo& info) {
  tenant::Settings s;
  s.tenant_id = tenant_id;
  apply_connection(s, tokens, info);
  hubspot::StaticToken token(tokens.access_token);
  auto pipelines = services.hubspot.portal(tenant_id, token).deal_pipelines();
  if (pipelines) {
    for (const auto& p : *pipelines) {
      if (!p.archived) s.pipelines.push_back(p.to_domain());
    }
  } else {
    log::warn("admin sign-in: pipelines not loaded; reload them from the console",
              {{"tenant", tenant_id}, {"kind", hubspot::to_string(pipelines.error().kind)}});
  }
  return s;
}

std::string describe(const tenant::PutResult& put) {
  std::string out;
  for (const auto& e : put.errors) out += e.field + " [" + e.code + "] ";
  return out;
}

// Stores the connection; true when the tenant was created (installed).
bool connect_tenant(Services& services, const std::string& tenant_id, const hubspot::Tokens& tokens,
                    const hubspot::TokenInfo& info) {
  for (int attempt = 0; attempt < kPutAttempts; ++attempt) {
    std::optional<tenant::Settings> current = services.store.get(tenant_id);
    if (!current) {
      const auto put = services.store.put(new_tenant(services, tenant_id, tokens, info), 0);
      if (put.ok()) return true;
      if (!is_conflict(put)) throw std::runtime_error("default settings refused: " + describe(put));
      continue;  // created meanwhile (a second tab): update it instead
    }
    apply_connection(*current, tokens, info);
    const auto put = services.store.put(*current, current->version);
    if (put.ok()) return false;
    if (!is_conflict(put)) {
      // Settings saved under older rules: keep them, store the tokens.
      log::warn("admin sign-in: stored settings break a rule; only the tokens were updated",
                {{"tenant", tenant_id}, {"errors", describe(put)}});
      if (services.store.put_hubspot_tokens(tenant_id, tokens.access_token, tokens.refresh_token,
                                            tokens.expires_at_ms)) {
        return false;
      }
    }
  }
  throw std::runtime_error("tenant " + tenant_id + " kept changing during sign-in");
}

http::Response signed_in(Services& services, const std::string& tenant_id,
                         const std::optional<std::string>& old_session) {
  // A new id at every sign-in (no session fixation); the old one ends.
  if (old_session) services.sessions.destroy(*old_session);
  const Session session = services.sessions.create(tenant_id);
  http::Response r;
  r.status = 302;
  r.headers.set("Location", "/");
  r.headers.add("Set-Cookie", session_cookie(services.config, session.id));
  return r;
}

http::Response complete(Services& services, const http::Request& request) {
  const std::string state = request.query_param("state").value_or("");
  const std::string code = request.query_param("code").value_or("");
  const std::string nonce = cookie(request, kOAuthCookie).value_or("");
  if (!services.sessions.finish_sign_in(state, nonce)) {
    log::warn("admin sign-in: state refused",
              {{"reason", state.empty()   ? "no_state"
                          : nonce.empty() ? "no_browser_cookie"
                                          : "unknown_used_expired_or_other_browser"}});
    return refused_state();
  }
  if (code.empty()) {
    log::warn("admin sign-in: no code", {{"error", request.query_param("error").value_or("")}});
    return error_page(400, "サインインが完了しませんでした",
                      "HubSpotで承認されませんでした。もう一度「HubSpotでログイン」から"
                      "やり直してください。");
  }
  auto tokens = services.oauth.exchange_code(code, services.config.redirect_uri());
  if (!tokens) return hubspot_failed(tokens.error(), "exchange_code");
  auto info = services.oauth.token_info(tokens->access_token);
  if (!info) return hubspot_failed(info.error(), "token_info");
  if (info->hub_id <= 0) {
    return hubspot_failed(hubspot::Error{.kind = hubspot::Error::server}, "token_info_hub_id");
  }
  const std::string tenant_id = std::to_string(info->hub_id);
  const bool installed = connect_tenant(services, tenant_id, *tokens, *info);
  log::info("admin sign-in", {{"tenant", tenant_id}, {"installed", installed}});
  return signed_in(services, tenant_id, cookie(request, kSessionCookie));
}

}  // namespace

http::Response login(Services& services) {
  const SignInStart start = services.sessions.start_sign_in();
  http::Response r;
  r.status = 302;
  r.headers.set("Location",
                services.oauth.authorize_url(services.config.redirect_uri(), start.state));
  r.headers.add("Set-Cookie", oauth_cookie(services.config, start.nonce));
  r.headers.set("Cache-Control", "no-store");
  return r;
}

http::Response callback(Services& services, const http::Request& request) {
  http::Response r = complete(services, request);
  // The nonce served its one use, whatever happened.
  r.headers.add("Set-Cookie", cleared_oauth_cookie(services.config));
  r.headers.set("Cache-Control", "no-store");
  r.headers.set("Referrer-Policy", "no-referrer");
  return r;
}

}  // namespace hbsync::admin::auth
