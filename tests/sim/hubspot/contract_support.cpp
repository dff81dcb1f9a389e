#include "contract_support.hpp"

#include <gtest/gtest.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <fstream>
#include <stdexcept>
#include <thread>

#include "hbsync/log/log.hpp"

namespace hbsync::sim_hubspot::contract {

using namespace std::chrono_literals;

rapidjson::Document Reply::json() const {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError()) {
    ADD_FAILURE() << "not JSON (status " << status << "): " << body;
    doc.SetObject();
  }
  return doc;
}

std::string Reply::header(const std::string& name) const {
  return std::string(headers.get(name).value_or(""));
}

SimHubSpot::SimHubSpot(std::map<std::string, std::string> env) {
  static std::atomic<int> counter{0};
  std::string tag = std::to_string(::getpid()) + "-" + std::to_string(counter++);
  port_file_ = ::testing::TempDir() + "sim-hubspot-" + tag + ".port";
  std::remove(port_file_.c_str());
  env["HBSYNC_SIM_HUBSPOT_PORT"] = "0";
  env["HBSYNC_SIM_HUBSPOT_PORT_FILE"] = port_file_;
  env.emplace("HBSYNC_LOG_LEVEL", "warn");
  process_ = testing::Process({testing::bin_path("hbsync-sim-hubspot")}, env,
                              ::testing::TempDir() + "sim-hubspot-" + tag + ".log");
  bool ready = testing::wait_until(
      [&] {
        std::ifstream in(port_file_);
        int port = 0;
        if (!(in >> port) || port <= 0) return false;
        port_ = static_cast<uint16_t>(port);
        return control("GET", "/_sim/healthz").status == 200;
      },
      10s);
  if (!ready) throw std::runtime_error("hbsync-sim-hubspot did not start");
}

SimHubSpot::~SimHubSpot() {
  process_.kill_hard();
  std::remove(port_file_.c_str());
}

std::string SimHubSpot::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

Reply SimHubSpot::send(const std::string& method, const std::string& path, const std::string& token,
                       const std::string& body, const std::string& content_type) {
  http::ClientRequest request;
  request.method = method;
  request.url = url(path);
  request.timeout = 10s;
  if (!token.empty()) request.headers.set("Authorization", "Bearer " + token);
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    if (!content_type.empty()) request.headers.set("Content-Type", content_type);
    request.body = body;
  }
  http::ClientResult result = client_.send(request);
  Reply reply;
  if (result.ok()) {
    reply.status = result.response.status;
    reply.headers = result.response.headers;
    reply.body = result.response.body;
  }
  return reply;
}

Reply SimHubSpot::control(const std::string& method, const std::string& path,
                          const std::string& body) {
  return send(method, path, "", body);
}

SimHubSpot::Tenant SimHubSpot::tenant(int64_t portal_id, const std::string& webhook_url,
                                      const std::string& app_extra) {
  Tenant t;
  t.portal_id = portal_id;
  Reply portal =
      control("POST", "/_sim/portals", "{\"portalId\":" + std::to_string(portal_id) + "}");
  EXPECT_EQ(portal.status, 201) << portal.body;
  std::string app = "{\"redirectUris\":[\"https://app.example/callback\"]";
  if (!webhook_url.empty()) app += ",\"webhookUrl\":\"" + webhook_url + "\"";
  if (!app_extra.empty()) app += "," + app_extra;
  app += "}";
  Reply created = control("POST", "/_sim/apps", app);
  EXPECT_EQ(created.status, 201) << created.body;
  rapidjson::Document doc = created.json();
  t.app_id = doc["appId"].GetInt64();
  t.client_id = doc["clientId"].GetString();
  t.client_secret = doc["clientSecret"].GetString();
  Reply token = control("POST", "/_sim/portals/" + std::to_string(portal_id) + "/tokens",
                        "{\"appId\":" + std::to_string(t.app_id) + "}");
  EXPECT_EQ(token.status, 201) << token.body;
  t.token = token.json()["access_token"].GetString();
  return t;
}

std::string SimHubSpot::create(const Tenant& t, const std::string& type,
                               const std::string& properties_json,
                               const std::string& associations_json) {
  std::string body = "{\"properties\":" + properties_json;
  if (!associations_json.empty()) body += ",\"associations\":" + associations_json;
  body += "}";
  Reply reply = post("/crm/v3/objects/" + type, t.token, body);
  EXPECT_EQ(reply.status, 201) << reply.body;
  rapidjson::Document doc = reply.json();
  return doc.HasMember("id") ? doc["id"].GetString() : "";
}

rapidjson::Document SimHubSpot::flush_webhooks() {
  Reply reply = control("POST", "/_sim/webhooks/flush", "{\"timeoutMs\":20000}");
  EXPECT_EQ(reply.status, 200) << reply.body;
  return reply.json();
}

Receiver::Receiver(Behaviour behaviour, int threads) : behaviour_(std::move(behaviour)) {
  log::init("sim-hubspot-contract-test", log::Level::warn);
  http::Router router;
  router.add_sync("POST", "/hooks/hubspot", [this](http::Request& request) {
    int now = ++in_flight_;
    int seen = peak_.load();
    while (now > seen && !peak_.compare_exchange_weak(seen, now)) {
    }
    Received r{request.headers, request.body, request.target, 204};
    int call = calls_++;
    if (behaviour_) r.answered = behaviour_(r, call);
    {
      std::lock_guard lock(mutex_);
      received_.push_back(r);
    }
    --in_flight_;
    http::Response response;
    response.status = r.answered;
    return response;
  });
  http::ServerOptions options;
  options.threads = threads;
  server_ = std::make_unique<http::Server>(options, std::move(router));
  server_->start();
}

Receiver::~Receiver() {
  server_->shutdown(std::chrono::milliseconds(2000));
}

std::string Receiver::url(const std::string& path_and_query) const {
  return "http://127.0.0.1:" + std::to_string(server_->port()) + path_and_query;
}

std::vector<Receiver::Received> Receiver::received() const {
  std::lock_guard lock(mutex_);
  return received_;
}

size_t Receiver::event_count() const {
  size_t n = 0;
  for (const Received& r : received()) {
    rapidjson::Document doc;
    doc.Parse(r.body.data(), r.body.size());
    if (doc.IsArray()) n += doc.Size();
  }
  return n;
}

}  // namespace hbsync::sim_hubspot::contract
