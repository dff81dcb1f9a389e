// The HubSpot simulator: state (portals, OAuth, webhook delivery, limits) and
// the HTTP routes over it. Routes live in one file per area
// (routes_oauth.cpp, routes_objects.cpp, routes_associations.cpp,
// routes_schema.cpp, routes_control.cpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "delivery.hpp"
#include "hbsync/http/client.hpp"
#include "hbsync/http/router.hpp"
#include "hbsync/simkit/kit.hpp"
#include "oauth.hpp"
#include "portal.hpp"
#include "rate_limits.hpp"

namespace hbsync::sim_hubspot {

struct SimOptions {
  std::chrono::milliseconds token_ttl{30 * 60 * 1000};
  int64_t rate_per_ten_seconds = 110;
  int64_t search_per_second = 5;
  std::chrono::milliseconds search_lag{0};
  std::string webhook_url;  // for apps without their own
  int webhook_concurrency = 10;
  Delivery::Options delivery;
  double time_scale = 1.0;
  // Portal used by /oauth/authorize without portal_id; 0: a new portal each time.
  int64_t default_portal_id = 0;
  std::vector<int64_t> portals;  // created at start
  std::optional<App> default_app;
  WallClock clock = system_millis;
};

// Every scope the simulator knows; control-issued and private-app tokens get
// these unless told otherwise.
const std::vector<std::string>& all_scopes();

class Simulator {
 public:
  // `sender` delivers webhook attempts; the default posts with http::Client.
  explicit Simulator(SimOptions options, Delivery::Sender sender = {});
  ~Simulator();
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  void install(http::Router& router);
  simkit::Kit& kit() { return kit_; }

  // Who an authenticated API request comes from.
  struct Caller {
    int64_t portal_id = 0;
    int64_t app_id = 0;  // 0: private-app token
    std::string token;
    std::vector<std::string> scopes;
  };
  // Where a change came from, for the webhook events it causes.
  struct Source {
    std::string change_source;
    std::string source_id;
  };

 private:
  enum class Budget { standard, search };
  using ApiHandler = std::function<http::Response(http::Request&, const Caller&)>;

  // An authenticated CRM route: bearer token (401), scopes (403, any of
  // `scopes`), rate limit (429), then `handler`; ApiError becomes its body.
  void api(http::Router& router, const std::string& method, const std::string& pattern,
           std::vector<std::string> scopes, Budget budget, ApiHandler handler);

  enum class Access { read, write };
  using ObjectHandler = std::function<http::Response(ObjectKind, http::Request&, const Caller&)>;
  // One route per object type path segment (deals, 0-3, companies, 0-2) plus
  // a fallback for the other spellings; `suffix` is appended to
  // /crm/v3/objects/<type>, with "{id}" standing for the object id.
  void object_api(http::Router& router, const std::string& method, const std::string& suffix,
                  Access access, Budget budget, ObjectHandler handler);
  using AssociationHandler =
      std::function<http::Response(ObjectKind from, http::Request&, const Caller&)>;
  // v4 association routes for deals->companies and companies->deals plus a
  // fallback; `pattern` uses {from}, {fromId} and {to} for the type segments.
  void association_api(http::Router& router, const std::string& method, const std::string& pattern,
                       Access access, AssociationHandler handler);
  // 403 MISSING_SCOPES unless the caller holds one of `any_of`.
  static void require_scopes(const Caller& caller, const std::vector<std::string>& any_of);
  static std::vector<std::string> object_scopes(ObjectKind kind, Access access);

  void install_oauth(http::Router& router);
  void install_objects(http::Router& router);
  void install_associations(http::Router& router);
  void install_schema(http::Router& router);
  void install_control(http::Router& router);

  // With mutex_ held.
  Portal& portal(int64_t portal_id);  // 404 when unknown
  Portal& ensure_portal(int64_t portal_id);
  Installation installation(const Portal& portal) const;
  void publish(Portal& portal, const Changes& changes, const Source& source);
  Source source_of(const Caller& caller) const;
  Source user_source(const Portal& portal) const;
  std::string account_of(const http::Request& request);
  void reset_state();

  SimOptions options_;
  std::mutex mutex_;
  simkit::Kit kit_;
  OAuthStore oauth_;
  std::map<int64_t, std::unique_ptr<Portal>> portals_;
  int64_t next_portal_id_ = 20000001;
  int64_t next_event_id_ = 1000;
  int64_t next_subscription_id_ = 100000;
  RateLimits limits_;
  std::unique_ptr<http::Client> client_;
  std::unique_ptr<Delivery> delivery_;  // after client_: its threads use it
};

}  // namespace hbsync::sim_hubspot
