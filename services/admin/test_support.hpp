// Shared support for the admin API tests (library hbsync_admin_test_support).
//
// AdminStack: a private redis-server, the dev Kafka broker, the HubSpot and
// board simulators, and hbsync_admin_core (every route module behind the
// real Api session layer) mounted in-process on an http::Server on a free
// port. The HubSpot simulator has the admin's app registered with the
// redirect URI <base_url>/auth/callback, so the whole sign-in can run
// (sign_in_through_hubspot).
//
//   AdminStack stack;
//   const std::string tenant = stack.make_tenant();
//   const Browser browser = stack.sign_in(tenant);
//   auto res = stack.send(browser, "GET", "/api/v1/session");
//   expect_contract("GET", "/api/v1/session", res);
//
// Every API test checks each answer with expect_contract (contract.hpp):
// the route and status must be documented in docs/admin-api.yaml and the
// body must match the schema there.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api.hpp"
#include "contract.hpp"
#include "hbsync/http/client.hpp"
#include "hbsync/testing/simulator.hpp"

namespace hbsync::admin::testing {

// A browser as the admin sees it: its cookies and the CSRF token it read
// from GET /api/v1/session. An empty session sends no session cookie.
struct Browser {
  std::string tenant_id{};
  std::string session{};                         // hbsync_session cookie value
  std::string csrf{};                            // X-CSRF-Token
  std::map<std::string, std::string> cookies{};  // others (hbsync_oauth, ...)

  // The Cookie header this browser sends ("" when it has none).
  std::string cookie_header() const;
};

struct AdminStackOptions {
  // Variables for the admin's loaders (admin, HubSpot and board clients,
  // Kafka topics), over the stack's defaults.
  std::map<std::string, std::string> env{};
  // Session lifetime, bypassing HBSYNC_ADMIN_SESSION_TTL's 1-minute floor
  // (expiry tests).
  std::optional<std::chrono::milliseconds> session_ttl{};
  // The API's clock (Services::now_ms); empty: the system clock.
  std::function<int64_t()> now_ms{};
  int workers = 4;
};

struct TenantSpec {
  int64_t portal_id = 0;     // 0: the next unused id
  std::string hub_domain{};  // "" : "portal<id>.example.com"
  std::string user{};        // the installing user's e-mail; "" : "admin@portal<id>.example.com"
  // The board token's operations ("*" = all; e.g. without "clients.create"
  // to test F1.1's message).
  std::vector<std::string> board_operations{"*"};
  // Store board credentials and a default user (false: a tenant as its
  // first sign-in leaves it, board not connected yet).
  bool board_connected = true;
  // Map the "default" pipeline's stages to every row (as the e2e tenants).
  bool map_stages = true;
  // Last changes to the settings before they are saved.
  std::function<void(tenant::Settings&)> customize{};
};

// What make_tenant created, for tests that talk to the simulators.
struct MadeTenant {
  std::string id{};
  std::string hubspot_token{};  // private-app token of the portal
  std::string board_api_key{};
  std::string board_api_token{};
  std::vector<int64_t> board_user_ids{};
  std::string hub_domain{};
  std::string user{};
};

// The "default" pipeline make_tenant gives every portal: ids and labels.
const std::vector<std::pair<std::string, std::string>>& default_stages();

class AdminStack {
 public:
  explicit AdminStack(AdminStackOptions options = {});
  ~AdminStack();
  AdminStack(const AdminStack&) = delete;
  AdminStack& operator=(const AdminStack&) = delete;

  // "http://127.0.0.1:<port>" of the admin.
  const std::string& base_url() const { return base_url_; }
  hbsync::testing::Simulator& hubspot() { return *hubspot_sim_; }
  hbsync::testing::Simulator& board() { return *board_sim_; }
  redis::Client& redis() { return *redis_; }
  tenant::Store& store() { return *store_; }
  Services& services() { return *services_; }
  Api& api() { return *api_; }
  http::Router& router();
  const Config& config() const { return *config_; }
  std::string kafka_bootstrap() const;  // the stack's dev broker

  // A HubSpot portal (with the "default" pipeline) and a board account in
  // the simulators, and a tenant in the store with working credentials.
  // Returns its id (= portal id).
  std::string make_tenant(TenantSpec spec = {});
  // The portal and the board account only, no tenant in the store: what
  // exists before the portal's first sign-in (sign_in_through_hubspot
  // then creates the tenant). spec's settings fields are unused.
  MadeTenant make_portal(const TenantSpec& spec = {});
  // What make_tenant or make_portal made (throws std::out_of_range).
  const MadeTenant& tenant(const std::string& id) const;

  // A browser signed in to the tenant (a session made with
  // Sessions::create, as the OAuth callback makes it).
  Browser sign_in(const std::string& tenant_id);
  // The whole sign-in, as a browser does it: GET /auth/login, HubSpot's
  // authorize page (approves at once for `portal_id`), GET /auth/callback,
  // then GET /api/v1/session for the CSRF token. Every step that does not
  // answer as expected fails the test; the Browser is then empty.
  Browser sign_in_through_hubspot(int64_t portal_id);

  // One request to the admin as `browser`: its cookies, its CSRF token
  // (unless csrf is false), Content-Type application/json with a body. No
  // answer fails the test (status 0).
  http::ClientResponse send(const Browser& browser, const std::string& method,
                            const std::string& path, const std::string& body = "",
                            bool csrf = true);
  // Any request to the admin, as given.
  http::ClientResponse raw(http::ClientRequest request);

 private:
  struct Parts;
  void wire(const hubspot::Options& hubspot_options, const board::Options& board_options);
  void serve(uint16_t port);
  std::unique_ptr<Parts> parts_;
  AdminStackOptions options_;
  std::string base_url_;
  std::unique_ptr<hbsync::testing::Simulator> hubspot_sim_;
  std::unique_ptr<hbsync::testing::Simulator> board_sim_;
  std::unique_ptr<redis::Client> redis_;
  std::unique_ptr<tenant::Store> store_;
  std::unique_ptr<Config> config_;
  std::unique_ptr<Services> services_;
  std::unique_ptr<Api> api_;
  std::map<std::string, MadeTenant> tenants_;
  int64_t next_portal_id_ = 30000001;
};

// The cookie `name` as a Set-Cookie header of `response` sets it: the
// whole header ("name=value; HttpOnly; ..."), nullopt when not set.
std::optional<std::string> set_cookie(const http::ClientResponse& response,
                                      const std::string& name);
// The value part of a Set-Cookie header ("name=value; ..." -> "value").
std::string cookie_value(const std::string& set_cookie_header);
// Whether a Set-Cookie header carries the attribute ("HttpOnly",
// "SameSite=Lax", "Path=/", ...), compared case-insensitively.
bool has_attribute(const std::string& set_cookie_header, const std::string& attribute);

// Fails the test unless docs/admin-api.yaml documents METHOD pattern with
// the response's status and its body matches the schema (contract.hpp).
void expect_contract(const std::string& method, const std::string& pattern,
                     const http::ClientResponse& response);

}  // namespace hbsync::admin::testing
