// Cookies and the sign-in error pages (auth.hpp).
#include <string>

#include "auth.hpp"

namespace hbsync::admin::auth {
namespace {

std::string attributes(const Config& config, std::string_view path) {
  std::string out = "; Path=" + std::string(path) + "; HttpOnly; SameSite=Lax";
  if (config.cookie_secure) out += "; Secure";
  return out;
}

std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace

std::string session_cookie(const Config& config, const std::string& session_id) {
  return std::string(kSessionCookie) + "=" + session_id + attributes(config, "/");
}

std::string cleared_session_cookie(const Config& config) {
  return std::string(kSessionCookie) + "=" + attributes(config, "/") + "; Max-Age=0";
}

std::string oauth_cookie(const Config& config, const std::string& nonce) {
  return std::string(kOAuthCookie) + "=" + nonce + attributes(config, "/auth") +
         "; Max-Age=" + std::to_string(kOAuthCookieSeconds);
}

std::string cleared_oauth_cookie(const Config& config) {
  return std::string(kOAuthCookie) + "=" + attributes(config, "/auth") + "; Max-Age=0";
}

http::Response error_page(int status, std::string_view title, std::string_view message) {
  http::Response r;
  r.status = status;
  r.headers.set("Content-Type", "text/html; charset=utf-8");
  r.headers.set("Cache-Control", "no-store");
  r.headers.set("Referrer-Policy", "no-referrer");
  r.headers.set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'");
  r.body = "<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\"><title>" +
           escape_html(title) +
           " - hbsync</title><style>body{font-family:sans-serif;max-width:40em;margin:4em "
           "auto;padding:0 1em;line-height:1.6}</style></head><body><h1>" +
           escape_html(title) + "</h1><p>" + escape_html(message) +
           "</p><p><a href=\"/auth/login\">HubSpotでログインし直す</a></p></body></html>\n";
  return r;
}

}  // namespace hbsync::admin::auth
