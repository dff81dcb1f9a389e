#include "config.hpp"

namespace hbsync::admin {
namespace {

bool is_loopback_http(const std::string& url) {
  for (const char* prefix : {"http://127.0.0.1", "http://localhost", "http://[::1]"}) {
    const std::string p = prefix;
    if (url.compare(0, p.size(), p) == 0 &&
        (url.size() == p.size() || url[p.size()] == ':' || url[p.size()] == '/')) {
      return true;
    }
  }
  return false;
}

// scheme://host[:port] and nothing else.
bool origin_only(const std::string& url) {
  size_t start = 0;
  if (url.rfind("https://", 0) == 0) {
    start = 8;
  } else if (url.rfind("http://", 0) == 0) {
    start = 7;
  } else {
    return false;
  }
  const std::string rest = url.substr(start);
  return !rest.empty() && rest.front() != ':' && rest.find_first_of("/?#@ \t") == std::string::npos;
}

}  // namespace

Config Config::load(config::Loader& loader) {
  Config c;
  c.public_url = loader.str(
      "HBSYNC_ADMIN_PUBLIC_URL", c.public_url,
      "The console's address as browsers reach it (scheme://host[:port], no trailing slash); "
      "the OAuth redirect URI <url>/auth/callback must be registered with the HubSpot app");
  while (!c.public_url.empty() && c.public_url.back() == '/') c.public_url.pop_back();
  if (!origin_only(c.public_url)) {
    loader.reject("HBSYNC_ADMIN_PUBLIC_URL",
                  "must be https://host[:port] (or http:// on loopback), without a path, "
                  "query or user name: the console is served at the root of that address");
  }
  c.cookie_secure = loader.boolean(
      "HBSYNC_ADMIN_COOKIE_SECURE", true,
      "Session cookies carry Secure; false only for loopback development (refused unless "
      "HBSYNC_ADMIN_PUBLIC_URL is http://127.0.0.1, localhost or [::1])");
  if (!c.cookie_secure && !is_loopback_http(c.public_url)) {
    loader.reject("HBSYNC_ADMIN_COOKIE_SECURE",
                  "false is allowed only when HBSYNC_ADMIN_PUBLIC_URL is a loopback http:// URL");
  }
  if (c.cookie_secure && c.public_url.rfind("http://", 0) == 0 && !is_loopback_http(c.public_url)) {
    loader.reject("HBSYNC_ADMIN_PUBLIC_URL",
                  "must be https:// (Secure cookies are not sent over plain http)");
  }
  c.session_ttl =
      loader.duration("HBSYNC_ADMIN_SESSION_TTL", "8h",
                      "A console session ends after this long without a request (sliding expiry)");
  if (c.session_ttl < std::chrono::minutes(1) || c.session_ttl > std::chrono::days(7)) {
    loader.reject("HBSYNC_ADMIN_SESSION_TTL", "must be between 1m and 7d");
  }
  c.workers = static_cast<int>(loader.integer(
      "HBSYNC_ADMIN_WORKERS", c.workers,
      "API requests handled at once (board's permission check holds one for seconds)", 1, 64));
  return c;
}

}  // namespace hbsync::admin
