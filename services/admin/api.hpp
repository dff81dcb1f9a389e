// The admin JSON API (SPEC F8, docs/admin-api.yaml): what every route module
// shares. The console is its only client; it does nothing the API cannot.
//
// Contract for route modules (auth_routes, settings_routes, activity_routes):
// - Routes live under /api/v1/ and are added with Api::add. The session
//   layer has already run: Call::tenant_id is the signed-in portal, and a
//   handler reads and writes that tenant only. An id in the path that
//   belongs to another tenant is answered exactly like an id that does not
//   exist (404 "not_found"), never 403, so ids of other tenants cannot be
//   probed.
// - Handlers may block (board's permission check takes seconds): they run on
//   the API's worker pool, never on the HTTP io threads.
// - Every error body is {"error": {"code": "...", "message": "..."}} with a
//   stable code and a Japanese message for the console; validation problems
//   are 422 with "errors": [{"field", "code", "message"}] as well, the same
//   fields, codes and messages as `hbsync-ctl tenant apply` prints.
// - Nothing personal or secret is logged; credentials never leave the
//   service (settings are answered with Redaction::mask).
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config.hpp"
#include "hbsync/board/api.hpp"
#include "hbsync/history/history.hpp"
#include "hbsync/http/router.hpp"
#include "hbsync/hubspot/api.hpp"
#include "hbsync/hubspot/oauth.hpp"
#include "hbsync/kafka/options.hpp"
#include "hbsync/kafka/producer.hpp"
#include "hbsync/kafka/reader.hpp"
#include "hbsync/redis/redis.hpp"
#include "hbsync/tenant/store.hpp"
#include "sessions.hpp"

namespace hbsync::admin {

// What route modules use. Owned by main (or a test), outlives the server.
struct Services {
  const Config& config;
  redis::Client& redis;
  tenant::Store& store;
  kafka::Producer& producer;
  const kafka::Topics& topics;
  board::Api& board;
  hubspot::Api& hubspot;
  hubspot::OAuth& oauth;
  hubspot::TokenProviders& tokens;
  history::History& history;
  Sessions& sessions;
  std::function<int64_t()> now_ms;  // epoch milliseconds
  // The dlq topic's message at partition/offset (the console's retry of a
  // failure replays its dead letter); throws kafka::ReadError.
  std::function<std::optional<kafka::Record>(int32_t partition, int64_t offset)> read_dead_letter{};
};

// One authenticated API request.
struct Call {
  http::Request request;  // moved from the connection: safe on the pool
  std::string tenant_id;  // the session's portal id
  Session session;
};

using ApiHandler = std::function<http::Response(Call&)>;
// A route outside the session layer (the sign-in pages under /auth/).
using PageHandler = std::function<http::Response(http::Request&)>;

// Registers API routes behind the session layer:
// - no session cookie, an unknown or expired session: 401 "unauthenticated";
// - POST, PUT, PATCH and DELETE without the session's CSRF token in the
//   X-CSRF-Token header: 403 "csrf";
// - a body that is not JSON where one is expected: the handler answers 400
//   "bad_json" (json_body() below);
// then runs the handler on the worker pool and answers with its response
// (Cache-Control: no-store on every API answer).
class Api {
 public:
  Api(http::Router& router, Services& services, int workers);
  ~Api();  // waits for running handlers
  Api(const Api&) = delete;
  Api& operator=(const Api&) = delete;

  void add(std::string method, std::string pattern, ApiHandler handler);
  // A route without a session (the sign-in pages): runs on the worker pool
  // too (the OAuth callback waits for HubSpot), no Cache-Control added.
  void add_page(std::string method, std::string pattern, PageHandler handler);

  // Every (method, pattern) added with add(), then with add_page(), in order:
  // the contract test compares them with docs/admin-api.yaml.
  const std::vector<std::pair<std::string, std::string>>& routes() const { return routes_; }
  const std::vector<std::pair<std::string, std::string>>& pages() const { return pages_; }

  Services& services() { return services_; }

 private:
  struct Pool;
  http::Router& router_;
  Services& services_;
  std::unique_ptr<Pool> pool_;
  std::vector<std::pair<std::string, std::string>> routes_;
  std::vector<std::pair<std::string, std::string>> pages_;
};

// The session cookie's name, and any cookie's value (nullopt when absent).
inline constexpr std::string_view kSessionCookie = "hbsync_session";
std::optional<std::string> cookie(const http::Request& request, std::string_view name);

// {"error": {"code": code, "message": message}}.
http::Response api_error(int status, std::string_view code, std::string_view message);
// 422 {"error": {"code": "validation", "message": "<n>件の入力エラーがあります"},
//      "errors": [{"field", "code", "message"}, ...]}.
http::Response validation_error(const tenant::ValidationErrors& errors);
// 200 application/json.
http::Response json_ok(std::string body);
// The request body as a JSON object; nullopt when it is empty, not JSON or
// not an object: answer bad_json() then.
std::optional<rapidjson::Document> json_body(const http::Request& request);
// 400 {"error": {"code": "bad_json", ...}}.
http::Response bad_json();

// Route modules: each adds its routes (docs/admin-api.yaml lists them).
// add_routes() adds all of them, as main and the tests' AdminStack do.
void add_routes(http::Router& router, Api& api, Services& services);
void add_auth_routes(http::Router& router, Api& api, Services& services);  // auth_routes.cpp
void add_settings_routes(Api& api, Services& services);                    // settings_routes.cpp
void add_activity_routes(Api& api, Services& services);                    // activity_routes.cpp
void add_console_routes(http::Router& router);                             // console_routes.cpp

}  // namespace hbsync::admin
