// hbsync-sim-hubspot: an in-memory HubSpot (OAuth, CRM deals and companies,
// associations v4, pipelines, owners, properties, rate limits, signed webhook
// delivery) for tests and the local demo. See docs/simulators.md.
#include <cstdlib>
#include <iostream>
#include <stdexcept>

#include "hbsync/config/config.hpp"
#include "hbsync/http/server.hpp"
#include "hbsync/log/log.hpp"
#include "hbsync/simkit/serve.hpp"
#include "simulator.hpp"

namespace {

using hbsync::sim_hubspot::App;
using hbsync::sim_hubspot::SimOptions;

struct Settings {
  std::string address;
  uint16_t port = 0;
  std::string port_file;
  int threads = 4;
  SimOptions sim;
};

Settings load(int argc, char** argv) {
  hbsync::config::Loader env("hbsync-sim-hubspot",
                             "in-memory HubSpot API and webhook sender for tests and the demo",
                             argc, argv);
  Settings s;
  s.address = env.str("HBSYNC_SIM_HUBSPOT_ADDRESS", "127.0.0.1", "address to listen on");
  s.port = env.port("HBSYNC_SIM_HUBSPOT_PORT", 8701, "port to listen on; 0 picks a free one");
  s.port_file = env.str("HBSYNC_SIM_HUBSPOT_PORT_FILE", "",
                        "file the bound port is written to (useful with port 0)");
  s.threads =
      static_cast<int>(env.integer("HBSYNC_SIM_HUBSPOT_THREADS", 4, "HTTP server threads", 1, 64));
  std::string level = env.choice("HBSYNC_LOG_LEVEL", "info", {"debug", "info", "warn", "error"},
                                 "minimum log level");

  SimOptions& o = s.sim;
  o.token_ttl = env.duration("HBSYNC_SIM_HUBSPOT_TOKEN_TTL", "30m",
                             "lifetime of OAuth access tokens (expires_in)");
  o.rate_per_ten_seconds =
      env.integer("HBSYNC_SIM_HUBSPOT_RATE_PER_10S", 110,
                  "API requests per portal in any rolling 10 s (search excluded)", 1, 1000000);
  o.search_per_second = env.integer("HBSYNC_SIM_HUBSPOT_SEARCH_PER_SECOND", 5,
                                    "search requests per portal per second", 1, 1000000);
  o.search_lag = env.duration("HBSYNC_SIM_HUBSPOT_SEARCH_LAG", "0ms",
                              "how far search results trail writes (HubSpot: a few seconds)");
  o.webhook_url = env.str("HBSYNC_SIM_HUBSPOT_WEBHOOK_URL", "",
                          "webhook target for apps without their own; empty: none");
  o.webhook_concurrency =
      static_cast<int>(env.integer("HBSYNC_SIM_HUBSPOT_WEBHOOK_CONCURRENCY", 10,
                                   "webhook requests in flight per portal and app", 1, 1000));
  o.delivery.timeout = env.duration("HBSYNC_SIM_HUBSPOT_WEBHOOK_TIMEOUT", "5s",
                                    "a webhook response slower than this is a failed attempt");
  o.delivery.max_attempts = static_cast<int>(env.integer(
      "HBSYNC_SIM_HUBSPOT_WEBHOOK_MAX_ATTEMPTS", 10, "webhook attempts before giving up", 1, 100));
  o.delivery.batch_size = static_cast<size_t>(env.integer(
      "HBSYNC_SIM_HUBSPOT_WEBHOOK_BATCH_SIZE", 100, "events per webhook request at most", 1, 100));
  o.delivery.threads = static_cast<int>(env.integer("HBSYNC_SIM_HUBSPOT_WEBHOOK_THREADS", 32,
                                                    "threads sending webhook requests", 1, 1024));
  std::vector<std::string> backoff =
      env.list("HBSYNC_SIM_HUBSPOT_WEBHOOK_BACKOFF", "1m,2m,5m,10m,30m,1h,2h,4h,8h",
               "wait before each retry (jittered +-25%, times the time scale); the last repeats");
  std::string scale = env.str("HBSYNC_SIM_HUBSPOT_TIME_SCALE", "1.0",
                              "multiplies simulated waits (webhook retry backoff); 0.00001 runs "
                              "the 24 h schedule in about a second");
  o.default_portal_id = env.integer(
      "HBSYNC_SIM_HUBSPOT_DEFAULT_PORTAL_ID", 0,
      "portal approved by /oauth/authorize without portal_id; 0: a new portal each time", 0,
      INT64_MAX);
  std::vector<std::string> portals =
      env.list("HBSYNC_SIM_HUBSPOT_PORTALS", "", "portal ids created at start (comma-separated)");
  std::string client_id = env.str("HBSYNC_SIM_HUBSPOT_CLIENT_ID", "",
                                  "client id of an app registered at start; empty: none");
  std::string client_secret =
      env.secret("HBSYNC_SIM_HUBSPOT_CLIENT_SECRET", "", "client secret of that app");
  std::vector<std::string> redirect_uris =
      env.list("HBSYNC_SIM_HUBSPOT_REDIRECT_URIS", "", "redirect URIs registered for that app");
  int64_t app_id =
      env.integer("HBSYNC_SIM_HUBSPOT_APP_ID", 0, "app id of that app; 0: assigned", 0, INT32_MAX);
  env.finish();

  std::vector<std::string> errors;
  for (const std::string& item : backoff) {
    auto d = hbsync::config::parse_duration(item);
    if (!d || d->count() <= 0) {
      errors.push_back("HBSYNC_SIM_HUBSPOT_WEBHOOK_BACKOFF: bad duration '" + item + "'");
    } else {
      o.delivery.backoff.push_back(*d);
    }
  }
  try {
    size_t used = 0;
    o.time_scale = std::stod(scale, &used);
    if (used != scale.size() || !(o.time_scale > 0 && o.time_scale <= 1000)) {
      throw std::invalid_argument(scale);
    }
  } catch (const std::exception&) {
    errors.push_back("HBSYNC_SIM_HUBSPOT_TIME_SCALE: must be a number > 0 and <= 1000");
  }
  for (const std::string& item : portals) {
    char* end = nullptr;
    long long id = std::strtoll(item.c_str(), &end, 10);
    if (end == item.c_str() || *end != '\0' || id <= 0) {
      errors.push_back("HBSYNC_SIM_HUBSPOT_PORTALS: bad portal id '" + item + "'");
    } else {
      o.portals.push_back(id);
    }
  }
  if (!client_id.empty()) {
    if (client_secret.empty()) {
      errors.push_back("HBSYNC_SIM_HUBSPOT_CLIENT_SECRET: required with a client id");
    }
    App app;
    app.app_id = app_id;
    app.client_id = client_id;
    app.client_secret = client_secret;
    app.redirect_uris = redirect_uris;
    o.default_app = app;
  }
  if (!errors.empty()) {
    for (const std::string& e : errors) std::cerr << e << '\n';
    std::exit(2);
  }
  hbsync::log::Level min_level = hbsync::log::Level::info;
  hbsync::log::parse_level(level, min_level);
  hbsync::log::init("sim-hubspot", min_level);
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  hbsync::shutdown::block_signals();
  Settings settings = load(argc, argv);
  hbsync::sim_hubspot::Simulator simulator(settings.sim);
  hbsync::http::Router router;
  simulator.install(router);
  hbsync::http::ServerOptions server_options;
  server_options.address = settings.address;
  server_options.port = settings.port;
  server_options.threads = settings.threads;
  server_options.server_name = "hbsync-sim-hubspot";
  hbsync::http::Server server(server_options, std::move(router));
  return hbsync::simkit::serve(server, "hubspot", settings.address, settings.port_file);
}
