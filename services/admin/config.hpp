// hbsync-admin's own settings (docs/configuration.md, "hbsync-admin").
#pragma once

#include <chrono>
#include <string>

#include "hbsync/config/config.hpp"

namespace hbsync::admin {

struct Config {
  // The console's address as the browser sees it, without a trailing slash
  // (HBSYNC_ADMIN_PUBLIC_URL): the OAuth redirect URI is
  // <public_url>/auth/callback and must be registered with the HubSpot app.
  std::string public_url = "http://127.0.0.1:8080";
  // Session cookies carry Secure unless this is off (HBSYNC_ADMIN_COOKIE_SECURE);
  // off is refused unless public_url is http://127.0.0.1, ::1 or localhost.
  bool cookie_secure = true;
  std::chrono::milliseconds session_ttl{std::chrono::hours(8)};  // HBSYNC_ADMIN_SESSION_TTL
  int workers = 4;  // HBSYNC_ADMIN_WORKERS: API handlers running at once

  std::string redirect_uri() const { return public_url + "/auth/callback"; }

  // Declares the variables; problems are reported by Loader::finish.
  static Config load(config::Loader& loader);
};

}  // namespace hbsync::admin
