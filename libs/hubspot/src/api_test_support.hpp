// The fixture of the HubSpot client's integration tests (api_test.cpp,
// api_oauth_test.cpp): the real hbsync-sim-hubspot and a real redis-server,
// started once per suite. Each test works in its own portal and app, so
// limiter keys and per-portal counters are its own.
#pragma once

#include "hbsync/hubspot/api.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "hbsync/domain/company.hpp"
#include "hbsync/hubspot/oauth.hpp"
#include "hbsync/metrics/metrics.hpp"
#include "hbsync/testing/metrics.hpp"
#include "hbsync/testing/process.hpp"
#include "hbsync/testing/redis_server.hpp"
#include "hbsync/testing/simulator.hpp"

namespace hbsync::hubspot {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const std::string kRedirect = "https://app.example/callback";

// hbsync-sim-hubspot, and what the tests read from it.
class Sim : public testing::Simulator {
 public:
  Sim() : Simulator("hbsync-sim-hubspot", "HBSYNC_SIM_HUBSPOT") {}
  // Calls of "METHOD /pattern" with `status` ("" = any), all portals.
  int64_t calls(const std::string& route, const std::string& status = "") {
    return testing::route_calls(control("GET", "/_sim/calls")["routes"], route, status);
  }
  // Calls of one portal on "METHOD /pattern" with `status` ("" = any).
  int64_t portal_calls(const std::string& portal, const std::string& route,
                       const std::string& status = "") {
    auto doc = control("GET", "/_sim/calls");
    if (!doc["accounts"].HasMember(portal.c_str())) return 0;
    return testing::route_calls(doc["accounts"][portal.c_str()]["routes"], route, status);
  }
};

inline retry::Policy fast_retries() {
  return retry::Policy{
      .max_attempts = 6, .initial_delay = 20ms, .max_delay = 200ms, .max_elapsed = 30s};
}

class HubSpotApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    sim_ = new Sim();
    redis_server_ = new testing::RedisServer();
  }
  static void TearDownTestSuite() {
    delete sim_;
    delete redis_server_;
  }

  void SetUp() override {
    static std::atomic<int> counter{0};
    portal_ = std::to_string(70000000 + (::getpid() % 1000) * 100 + ++counter);
    sim().control("POST", "/_sim/portals",
                  R"({"portalId":)" + portal_ + R"(,"hubDomain":"test-)" + portal_ +
                      R"(.example.jp","userEmail":"installer@example.jp"})");
    auto app = sim().control("POST", "/_sim/apps", R"({"redirectUris":[")" + kRedirect + R"("]})");
    app_id_ = app["appId"].GetInt64();
    client_id_ = app["clientId"].GetString();
    client_secret_ = app["clientSecret"].GetString();
    redis_ = std::make_unique<redis::Client>(redis::Options{.url = redis_server_->url()});
    keyring_ = tenant::Keyring::parse("k1:" + tenant::Keyring::generate_key());
    store_ = std::make_unique<tenant::Store>(*redis_, keyring_);
  }
  void TearDown() override { sim().control("DELETE", "/_sim/faults"); }

  Sim& sim() { return *sim_; }

  Options options() {
    Options o;
    o.base_url = sim().base_url();
    o.authorize_url = sim().base_url() + "/oauth/authorize";
    o.client_id = client_id_;
    o.client_secret = client_secret_;
    o.timeout = 5s;
    o.retry = fast_retries();
    return o;
  }

  // A token pair from the simulator (as if installed earlier).
  Tokens issue(int64_t ttl_ms = 0) {
    auto doc = sim().control(
        "POST", "/_sim/portals/" + portal_ + "/tokens",
        R"({"appId":)" + std::to_string(app_id_) + R"(,"ttlMs":)" + std::to_string(ttl_ms) + "}");
    Tokens t{.access_token = doc["access_token"].GetString(),
             .refresh_token = doc["refresh_token"].GetString(),
             .expires_in_s = doc["expires_in"].GetInt64()};
    t.expires_at_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count() +
                      (ttl_ms ? ttl_ms : t.expires_in_s * 1000);
    return t;
  }

  // A tenant for the portal with these tokens in the Store.
  void provision(const Tokens& t) {
    tenant::Settings s;
    s.tenant_id = portal_;
    s.board.api_key = "BKEY-" + portal_;
    s.board.api_token = "BTOK-" + portal_;
    s.board.default_user_id = 7;
    s.hubspot.access_token = t.access_token;
    s.hubspot.refresh_token = t.refresh_token;
    s.hubspot.expires_at_ms = t.expires_at_ms;
    s.hubspot.hub_id = std::stoll(portal_);
    tenant::PutResult put = store_->put(s);
    ASSERT_TRUE(put.ok()) << (put.errors.empty() ? "" : put.errors.front().message);
  }

  std::string create(const std::string& type, const std::string& body) {
    auto doc = sim().control("POST", "/_sim/portals/" + portal_ + "/objects/" + type, body);
    return doc["id"].GetString();
  }

  static inline Sim* sim_ = nullptr;
  static inline testing::RedisServer* redis_server_ = nullptr;
  std::string portal_;
  int64_t app_id_ = 0;
  std::string client_id_, client_secret_;
  std::unique_ptr<redis::Client> redis_;
  tenant::Keyring keyring_;
  std::unique_ptr<tenant::Store> store_;
  http::Client http_;
};

}  // namespace hbsync::hubspot
