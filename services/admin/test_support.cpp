#include "test_support.hpp"

#include <gtest/gtest.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <stdexcept>

#include "hbsync/http/server.hpp"
#include "hbsync/http/url.hpp"
#include "hbsync/testing/dev_broker.hpp"
#include "hbsync/testing/process.hpp"
#include "hbsync/testing/redis_server.hpp"

namespace hbsync::admin::testing {
namespace {

using namespace std::chrono_literals;
using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

constexpr const char* kClientId = "hbsync-admin-test-app";
constexpr const char* kClientSecret = "hbsync-admin-test-secret";
constexpr int64_t kAppId = 4200001;
// One key for the stack's store (test data only).
constexpr const char* kEncryptionKeys = "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

int64_t system_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string pipeline_json() {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  w.Key("id");
  w.String("default");
  w.Key("label");
  w.String("Sales Pipeline");
  w.Key("stages");
  w.StartArray();
  for (const auto& [id, label] : default_stages()) {
    w.StartObject();
    w.Key("id");
    w.String(id.c_str());
    w.Key("label");
    w.String(label.c_str());
    w.Key("isClosed");
    w.Bool(id == "closedwon" || id == "closedlost" || id == "invoiced" || id == "paid");
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return b.GetString();
}

std::string board_account_json(const MadeTenant& t, const std::vector<std::string>& operations) {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  w.Key("api_key");
  w.String(t.board_api_key.c_str());
  w.Key("tokens");
  w.StartArray();
  w.StartObject();
  w.Key("token");
  w.String(t.board_api_token.c_str());
  w.Key("operations");
  w.StartArray();
  for (const auto& op : operations) w.String(op.c_str());
  w.EndArray();
  w.EndObject();
  w.EndArray();
  w.Key("users");
  w.StartArray();
  for (const char* email : {"default@admin-test.example", "owner@admin-test.example"}) {
    w.StartObject();
    w.Key("email");
    w.String(email);
    w.Key("last_name");
    w.String("山田");
    w.Key("first_name");
    w.String("太郎");
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return b.GetString();
}

tenant::Settings tenant_settings(const MadeTenant& t, const TenantSpec& spec, int64_t portal_id) {
  tenant::Settings s;
  s.tenant_id = t.id;
  if (spec.board_connected) {
    s.board.api_key = t.board_api_key;
    s.board.api_token = t.board_api_token;
    if (!t.board_user_ids.empty()) s.board.default_user_id = t.board_user_ids.front();
  }
  s.hubspot.access_token = t.hubspot_token;
  s.hubspot.hub_id = portal_id;
  s.hubspot.hub_domain = t.hub_domain;
  s.hubspot.user = t.user;
  domain::HubSpotPipeline pipeline{.id = "default", .label = "Sales Pipeline", .stages = {}};
  for (const auto& [id, label] : default_stages()) pipeline.stages.push_back({id, label});
  s.pipelines = {pipeline};
  if (spec.map_stages) {
    using domain::StageRow;
    s.stage_mapping.pipelines["default"] = {{StageRow::order_1, "appointmentscheduled"},
                                            {StageRow::order_2, "qualifiedtobuy"},
                                            {StageRow::order_3, "presentationscheduled"},
                                            {StageRow::order_4, "contractsent"},
                                            {StageRow::order_5, "closedwon"},
                                            {StageRow::order_9, "closedlost"},
                                            {StageRow::invoiced, "invoiced"},
                                            {StageRow::paid, "paid"}};
  }
  if (spec.customize) spec.customize(s);
  return s;
}

}  // namespace

const std::vector<std::pair<std::string, std::string>>& default_stages() {
  static const std::vector<std::pair<std::string, std::string>> stages = {
      {"appointmentscheduled", "Appointment scheduled"},
      {"qualifiedtobuy", "Qualified to buy"},
      {"presentationscheduled", "Presentation scheduled"},
      {"decisionmakerboughtin", "Decision maker bought-in"},
      {"contractsent", "Contract sent"},
      {"closedwon", "Closed won"},
      {"closedlost", "Closed lost"},
      {"invoiced", "請求済"},
      {"paid", "入金済"}};
  return stages;
}

std::string Browser::cookie_header() const {
  std::string out;
  auto add = [&](const std::string& name, const std::string& value) {
    out += (out.empty() ? "" : "; ") + name + "=" + value;
  };
  if (!session.empty()) add(std::string(kSessionCookie), session);
  for (const auto& [name, value] : cookies) add(name, value);
  return out;
}

struct AdminStack::Parts {
  hbsync::testing::RedisServer redis_server;
  hbsync::testing::DevBroker broker{1, 2};
  http::Client http;     // the admin's client (HubSpot, board)
  http::Client browser;  // the test's client (admin, simulators)
  tenant::Keyring keyring = tenant::Keyring::parse(kEncryptionKeys);
  kafka::Topics topics;
  std::unique_ptr<hubspot::Api> hubspot;
  std::unique_ptr<board::Api> board;
  std::unique_ptr<hubspot::OAuth> oauth;
  std::unique_ptr<hubspot::TokenProviders> tokens;
  std::unique_ptr<history::History> history;
  std::unique_ptr<Sessions> sessions;
  std::unique_ptr<kafka::Producer> producer;
  std::unique_ptr<http::Server> server;
};

namespace {

// The admin's variables in the stack: the simulators, short timeouts and
// retries, then the test's own.
std::map<std::string, std::string> stack_env(const std::string& base_url,
                                             const std::string& hubspot_url,
                                             const std::string& board_url,
                                             const std::map<std::string, std::string>& extra) {
  std::map<std::string, std::string> env = {
      {"HBSYNC_ADMIN_PUBLIC_URL", base_url},
      {"HBSYNC_HUBSPOT_API_URL", hubspot_url},
      {"HBSYNC_HUBSPOT_AUTHORIZE_URL", hubspot_url + "/oauth/authorize"},
      {"HBSYNC_HUBSPOT_CLIENT_ID", kClientId},
      {"HBSYNC_HUBSPOT_CLIENT_SECRET", kClientSecret},
      {"HBSYNC_HUBSPOT_TIMEOUT", "5s"},
      {"HBSYNC_HUBSPOT_RETRY_MAX_ATTEMPTS", "3"},
      {"HBSYNC_HUBSPOT_RETRY_INITIAL_DELAY", "20ms"},
      {"HBSYNC_BOARD_API_URL", board_url},
      {"HBSYNC_BOARD_TIMEOUT", "5s"},
      {"HBSYNC_BOARD_RETRY_MAX_ATTEMPTS", "3"},
      {"HBSYNC_BOARD_RETRY_INITIAL_DELAY", "20ms"}};
  for (const auto& [k, v] : extra) env[k] = v;
  return env;
}

}  // namespace

AdminStack::AdminStack(AdminStackOptions options)
    : parts_(std::make_unique<Parts>()), options_(std::move(options)) {
  const uint16_t port = hbsync::testing::free_port();
  base_url_ = "http://127.0.0.1:" + std::to_string(port);
  hubspot_sim_ = std::make_unique<hbsync::testing::Simulator>(
      "hbsync-sim-hubspot", "HBSYNC_SIM_HUBSPOT",
      std::map<std::string, std::string>{
          {"HBSYNC_SIM_HUBSPOT_CLIENT_ID", kClientId},
          {"HBSYNC_SIM_HUBSPOT_CLIENT_SECRET", kClientSecret},
          {"HBSYNC_SIM_HUBSPOT_APP_ID", std::to_string(kAppId)},
          {"HBSYNC_SIM_HUBSPOT_REDIRECT_URIS", base_url_ + "/auth/callback"}});
  board_sim_ = std::make_unique<hbsync::testing::Simulator>("hbsync-sim-board", "HBSYNC_SIM_BOARD");

  const auto env =
      stack_env(base_url_, hubspot_sim_->base_url(), board_sim_->base_url(), options_.env);
  config::Loader loader("hbsync-admin (test)", "admin test stack", 0, nullptr,
                        [env](const std::string& name) -> std::optional<std::string> {
                          auto it = env.find(name);
                          if (it == env.end()) return std::nullopt;
                          return it->second;
                        });
  config_ = std::make_unique<Config>(Config::load(loader));
  const hubspot::Options hubspot_options = hubspot::Options::load(loader);
  const board::Options board_options = board::Options::load(loader);
  parts_->topics = kafka::Topics::load(loader);
  if (!loader.errors().empty()) {
    std::string all;
    for (const auto& e : loader.errors()) all += e + "; ";
    throw std::invalid_argument("admin test stack configuration: " + all);
  }
  if (options_.session_ttl) config_->session_ttl = *options_.session_ttl;
  wire(hubspot_options, board_options);
  serve(port);
}

void AdminStack::wire(const hubspot::Options& hubspot_options,
                      const board::Options& board_options) {
  redis::Options ro;
  ro.url = parts_->redis_server.url();
  ro.pool_size = 8;
  redis_ = std::make_unique<redis::Client>(ro);
  store_ = std::make_unique<tenant::Store>(*redis_, parts_->keyring);
  auto& p = *parts_;
  p.hubspot = std::make_unique<hubspot::Api>(hubspot_options, p.http, *redis_);
  p.board = std::make_unique<board::Api>(board_options, p.http, *redis_);
  p.oauth = std::make_unique<hubspot::OAuth>(*p.hubspot);
  p.tokens = std::make_unique<hubspot::TokenProviders>(*p.oauth, *store_, *redis_);
  p.history = std::make_unique<history::History>(*redis_);
  p.sessions = std::make_unique<Sessions>(*redis_, config_->session_ttl);
  kafka::ProducerOptions po;
  po.client.brokers = p.broker.bootstrap();
  po.client.client_id = "hbsync-admin-test";
  po.delivery_timeout = 10s;
  p.producer = std::make_unique<kafka::Producer>(po);
  services_ = std::make_unique<Services>(Services{
      .config = *config_,
      .redis = *redis_,
      .store = *store_,
      .producer = *p.producer,
      .topics = p.topics,
      .board = *p.board,
      .hubspot = *p.hubspot,
      .oauth = *p.oauth,
      .tokens = *p.tokens,
      .history = *p.history,
      .sessions = *p.sessions,
      .now_ms = options_.now_ms ? options_.now_ms : system_now_ms,
      .read_dead_letter =
          [this](int32_t partition, int64_t offset) {
            kafka::ReaderOptions ro;
            ro.client.brokers = parts_->broker.bootstrap();
            ro.client.client_id = "hbsync-admin-test-reader";
            kafka::TopicReader reader(ro);
            return reader.read_at(parts_->topics.sync_dlq, partition, offset);
          },
  });
}

void AdminStack::serve(uint16_t port) {
  http::ServerOptions so;
  so.port = port;
  so.threads = 2;
  so.handler_timeout = 60s;
  parts_->server = std::make_unique<http::Server>(so, http::Router{});
  api_ = std::make_unique<Api>(parts_->server->router(), *services_, options_.workers);
  add_routes(parts_->server->router(), *api_, *services_);
  parts_->server->start();
}

AdminStack::~AdminStack() {
  // The server first (no new requests), then the API's pool, then what
  // the handlers used.
  parts_->server->shutdown(5s);
  api_.reset();
  parts_->server.reset();
}

http::Router& AdminStack::router() {
  return parts_->server->router();
}

std::string AdminStack::kafka_bootstrap() const {
  return parts_->broker.bootstrap();
}

MadeTenant AdminStack::make_portal(const TenantSpec& spec) {
  const int64_t portal_id = spec.portal_id != 0 ? spec.portal_id : next_portal_id_++;
  MadeTenant t;
  t.id = std::to_string(portal_id);
  t.hubspot_token = "pat-na1-admin-test-" + t.id;
  t.board_api_key = "admin-test-board-key-" + t.id;
  t.board_api_token = "admin-test-board-token-" + t.id;
  t.hub_domain = spec.hub_domain.empty() ? "portal" + t.id + ".example.com" : spec.hub_domain;
  t.user = spec.user.empty() ? "admin@portal" + t.id + ".example.com" : spec.user;

  const std::string p = "/_sim/portals/" + t.id;
  hubspot_sim_->control("POST", "/_sim/portals",
                        R"({"portalId":)" + t.id + R"(,"hubDomain":")" + t.hub_domain +
                            R"(","userEmail":")" + t.user + R"("})");
  hubspot_sim_->control("POST", p + "/install", R"({"appId":)" + std::to_string(kAppId) + "}");
  hubspot_sim_->control("POST", p + "/tokens", R"({"token":")" + t.hubspot_token + R"("})");
  hubspot_sim_->control("POST", p + "/pipelines", pipeline_json());
  const auto account =
      board_sim_->control("POST", "/_sim/accounts", board_account_json(t, spec.board_operations));
  if (account.HasMember("users") && account["users"].IsArray()) {
    for (const auto& u : account["users"].GetArray()) {
      if (u.HasMember("id") && u["id"].IsInt64()) t.board_user_ids.push_back(u["id"].GetInt64());
    }
  }
  tenants_[t.id] = t;
  return t;
}

std::string AdminStack::make_tenant(TenantSpec spec) {
  const MadeTenant t = make_portal(spec);
  const auto put = store_->put(tenant_settings(t, spec, std::stoll(t.id)), 0);
  for (const auto& e : put.errors) {
    ADD_FAILURE() << "make_tenant " << t.id << ": " << e.field << " [" << e.code << "] "
                  << e.message;
  }
  return t.id;
}

const MadeTenant& AdminStack::tenant(const std::string& id) const {
  auto it = tenants_.find(id);
  if (it == tenants_.end()) throw std::out_of_range("no tenant " + id + " made by this stack");
  return it->second;
}

Browser AdminStack::sign_in(const std::string& tenant_id) {
  const Session s = services_->sessions.create(tenant_id);
  return Browser{.tenant_id = tenant_id, .session = s.id, .csrf = s.csrf, .cookies = {}};
}

Browser AdminStack::sign_in_through_hubspot(int64_t portal_id) {
  Browser browser;
  auto login = send(browser, "GET", "/auth/login");
  const auto oauth_cookie = set_cookie(login, "hbsync_oauth");
  const auto to_hubspot = login.headers.get("Location");
  EXPECT_EQ(login.status, 302) << login.body;
  if (login.status != 302 || !oauth_cookie || !to_hubspot) {
    ADD_FAILURE() << "GET /auth/login: no redirect with the hbsync_oauth cookie";
    return {};
  }
  browser.cookies["hbsync_oauth"] = cookie_value(*oauth_cookie);
  http::ClientRequest authorize;
  authorize.url = std::string(*to_hubspot) + "&portal_id=" + std::to_string(portal_id);
  const auto approved = parts_->browser.send(authorize);
  const auto back = approved.response.headers.get("Location");
  if (!approved.ok() || approved.response.status != 302 || !back ||
      back->rfind(base_url_ + "/auth/callback?", 0) != 0) {
    ADD_FAILURE() << "HubSpot's authorize page did not send the browser back: "
                  << approved.response.status << " " << approved.response.body;
    return {};
  }
  auto callback = send(browser, "GET", std::string(*back).substr(base_url_.size()));
  const auto session_cookie = set_cookie(callback, std::string(kSessionCookie));
  if (callback.status != 302 || !session_cookie) {
    ADD_FAILURE() << "GET /auth/callback: " << callback.status << " " << callback.body;
    return {};
  }
  browser.cookies.erase("hbsync_oauth");
  browser.session = cookie_value(*session_cookie);
  auto session = send(browser, "GET", "/api/v1/session");
  rapidjson::Document doc;
  doc.Parse(session.body.c_str());
  if (session.status != 200 || !doc.IsObject() || !doc.HasMember("csrf_token") ||
      !doc["csrf_token"].IsString() || !doc["tenant_id"].IsString()) {
    ADD_FAILURE() << "GET /api/v1/session after sign-in: " << session.status << " " << session.body;
    return {};
  }
  browser.csrf = doc["csrf_token"].GetString();
  browser.tenant_id = doc["tenant_id"].GetString();
  return browser;
}

http::ClientResponse AdminStack::send(const Browser& browser, const std::string& method,
                                      const std::string& path, const std::string& body, bool csrf) {
  http::ClientRequest r;
  r.method = method;
  r.url = base_url_ + path;
  r.body = body;
  r.timeout = 60s;
  const std::string cookies = browser.cookie_header();
  if (!cookies.empty()) r.headers.set("Cookie", cookies);
  if (csrf && !browser.csrf.empty()) r.headers.set("X-CSRF-Token", browser.csrf);
  if (!body.empty()) r.headers.set("Content-Type", "application/json");
  return raw(std::move(r));
}

http::ClientResponse AdminStack::raw(http::ClientRequest request) {
  const std::string what = request.method + " " + request.url;
  auto result = parts_->browser.send(request);
  if (!result.ok()) {
    ADD_FAILURE() << what << ": no answer (" << http::to_string(result.error) << ": "
                  << result.error_message << ")";
    return {};
  }
  return result.response;
}

std::optional<std::string> set_cookie(const http::ClientResponse& response,
                                      const std::string& name) {
  for (std::string_view header : response.headers.get_all("Set-Cookie")) {
    if (header.rfind(name + "=", 0) == 0) return std::string(header);
  }
  return std::nullopt;
}

std::string cookie_value(const std::string& set_cookie_header) {
  const size_t eq = set_cookie_header.find('=');
  if (eq == std::string::npos) return "";
  const size_t end = set_cookie_header.find(';', eq);
  return set_cookie_header.substr(eq + 1, end == std::string::npos ? end : end - eq - 1);
}

bool has_attribute(const std::string& set_cookie_header, const std::string& attribute) {
  size_t start = set_cookie_header.find(';');
  while (start != std::string::npos) {
    size_t end = set_cookie_header.find(';', start + 1);
    std::string part = set_cookie_header.substr(
        start + 1, end == std::string::npos ? std::string::npos : end - start - 1);
    while (!part.empty() && part.front() == ' ') part.erase(part.begin());
    while (!part.empty() && part.back() == ' ') part.pop_back();
    if (http::iequals(part, attribute)) return true;
    start = end;
  }
  return false;
}

void expect_contract(const std::string& method, const std::string& pattern,
                     const http::ClientResponse& response) {
  const std::string type(response.headers.get("Content-Type").value_or(""));
  for (const auto& problem :
       Contract::admin_api().check(method, pattern, response.status, type, response.body)) {
    ADD_FAILURE() << problem << "\n  body: " << response.body.substr(0, 500);
  }
  if (pattern.rfind("/api/", 0) == 0 && response.headers.get("Cache-Control") != "no-store") {
    ADD_FAILURE() << method << " " << pattern << ": Cache-Control is not no-store";
  }
}

}  // namespace hbsync::admin::testing
