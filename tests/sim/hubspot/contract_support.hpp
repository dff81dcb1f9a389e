// Contract-test support: the real hbsync-sim-hubspot binary on a free port,
// driven over HTTP, and a webhook receiver that records what arrives.
#pragma once

#include <rapidjson/document.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "hbsync/http/client.hpp"
#include "hbsync/http/server.hpp"
#include "hbsync/testing/process.hpp"

namespace hbsync::sim_hubspot::contract {

struct Reply {
  int status = 0;  // 0: no HTTP answer
  http::Headers headers;
  std::string body;
  rapidjson::Document json() const;
  std::string header(const std::string& name) const;
};

class SimHubSpot {
 public:
  // Starts the binary with port 0 and these extra variables; waits until it
  // answers /_sim/healthz.
  explicit SimHubSpot(std::map<std::string, std::string> env = {});
  ~SimHubSpot();
  SimHubSpot(const SimHubSpot&) = delete;
  SimHubSpot& operator=(const SimHubSpot&) = delete;

  std::string url(const std::string& path) const;
  Reply send(const std::string& method, const std::string& path, const std::string& token = "",
             const std::string& body = "", const std::string& content_type = "application/json");
  Reply get(const std::string& path, const std::string& token) { return send("GET", path, token); }
  Reply post(const std::string& path, const std::string& token, const std::string& body) {
    return send("POST", path, token, body);
  }
  // /_sim/ routes: no token.
  Reply control(const std::string& method, const std::string& path, const std::string& body = "");

  struct Tenant {
    int64_t portal_id = 0;
    int64_t app_id = 0;
    std::string client_id;
    std::string client_secret;
    std::string token;  // an OAuth access token of the app for the portal
  };
  // A portal with an installed app (optionally with a webhook URL and extra
  // app settings as JSON members) and an access token.
  Tenant tenant(int64_t portal_id, const std::string& webhook_url = "",
                const std::string& app_extra = "");

  // Creates a deal/company through the API; returns its id.
  std::string create(const Tenant& t, const std::string& type, const std::string& properties_json,
                     const std::string& associations_json = "");

  // Waits until every webhook was delivered or given up.
  rapidjson::Document flush_webhooks();

 private:
  std::string port_file_;
  uint16_t port_ = 0;
  testing::Process process_;
  http::Client client_;
};

// Records webhook requests; `behaviour` picks each answer's status (and may
// sleep to be slow). Measures how many requests were in flight at once.
class Receiver {
 public:
  struct Received {
    http::Headers headers;
    std::string body;
    std::string target;
    int answered = 0;
  };
  using Behaviour = std::function<int(const Received&, int call_number)>;

  explicit Receiver(Behaviour behaviour = {}, int threads = 24);
  ~Receiver();

  std::string url(const std::string& path_and_query = "/hooks/hubspot?src=sim") const;
  std::vector<Received> received() const;
  int peak_in_flight() const { return peak_.load(); }
  // Events (array elements) received so far, across requests.
  size_t event_count() const;

 private:
  Behaviour behaviour_;
  mutable std::mutex mutex_;
  std::vector<Received> received_;
  std::atomic<int> calls_{0};
  std::atomic<int> in_flight_{0};
  std::atomic<int> peak_{0};
  std::unique_ptr<http::Server> server_;
};

}  // namespace hbsync::sim_hubspot::contract
