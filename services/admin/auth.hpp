// Sign-in internals shared by auth_routes.cpp (routes, session, disconnect),
// auth_callback.cpp (the OAuth callback) and auth_pages.cpp (cookies and
// the Japanese error pages). Route modules use api.hpp only.
#pragma once

#include <string>
#include <string_view>

#include "api.hpp"

namespace hbsync::admin::auth {

// The browser nonce of a sign-in in progress (sessions.hpp), sent back to
// /auth/callback only.
inline constexpr std::string_view kOAuthCookie = "hbsync_oauth";
inline constexpr int kOAuthCookieSeconds = 600;

// Set-Cookie values. Every cookie is HttpOnly and SameSite=Lax, Secure
// unless config.cookie_secure is off (loopback development). The session
// cookie has no Max-Age: the browser drops it when it closes, the server
// after session_ttl without a request.
std::string session_cookie(const Config& config, const std::string& session_id);
std::string cleared_session_cookie(const Config& config);
std::string oauth_cookie(const Config& config, const std::string& nonce);
std::string cleared_oauth_cookie(const Config& config);

// A small HTML page in Japanese (text/html; UTF-8) with a link to sign in
// again; no-store, no referrer.
http::Response error_page(int status, std::string_view title, std::string_view message);

// GET /auth/login and GET /auth/callback.
http::Response login(Services& services);
http::Response callback(Services& services, const http::Request& request);

}  // namespace hbsync::admin::auth
