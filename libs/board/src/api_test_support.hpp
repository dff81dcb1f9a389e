// The fixture of the board client's integration tests (api_test.cpp,
// api_records_test.cpp): the real hbsync-sim-board and a real redis-server,
// started once per suite. Each test works in its own board account (API key),
// so limiter keys and simulator counters are its own.
#pragma once

#include "hbsync/board/api.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <signal.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "hbsync/metrics/metrics.hpp"
#include "hbsync/testing/metrics.hpp"
#include "hbsync/testing/process.hpp"
#include "hbsync/testing/redis_server.hpp"
#include "hbsync/testing/simulator.hpp"

namespace hbsync::board {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// hbsync-sim-board, and what the tests read from it.
class Sim : public testing::Simulator {
 public:
  explicit Sim(std::map<std::string, std::string> env)
      : Simulator("hbsync-sim-board", "HBSYNC_SIM_BOARD", std::move(env)) {}

  // Calls the simulator counted for this API key on "METHOD /pattern" with
  // `status` ("" = every status).
  int64_t calls(const std::string& key, const std::string& route = "",
                const std::string& status = "") {
    auto doc = control("GET", "/_sim/calls");
    if (!doc["accounts"].HasMember(key.c_str())) return 0;
    const auto& account = doc["accounts"][key.c_str()];
    if (route.empty()) return account["total"].GetInt64();
    return testing::route_calls(account["routes"], route, status);
  }

  int64_t max_in_window(const std::string& key) {
    auto doc = control("GET", "/_sim/calls");
    if (!doc["accounts"].HasMember(key.c_str())) return 0;
    return doc["accounts"][key.c_str()]["max_in_window"].GetInt64();
  }
};

inline retry::Policy fast_retries() {
  return retry::Policy{
      .max_attempts = 6, .initial_delay = 20ms, .max_delay = 200ms, .max_elapsed = 30s};
}

// The simulator would admit 100,000 per second: every limit a test sees comes
// from our own limiter.
class BoardApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    sim_ = new Sim({{"HBSYNC_SIM_BOARD_RATE_PER_SECOND", "100000"},
                    {"HBSYNC_SIM_BOARD_RATE_PER_DAY", "100000000"}});
    redis_server_ = new testing::RedisServer();
  }
  static void TearDownTestSuite() {
    delete sim_;
    delete redis_server_;
  }

  void SetUp() override {
    static std::atomic<int> counter{0};
    const int n = ++counter;
    key_ = "key-" + std::to_string(n) + "-" + std::to_string(::getpid());
    tenant_ = std::to_string(::getpid()) + std::to_string(1000 + n);  // a portal id of its own
    token_ = key_ + "-token";
    auto account = sim().control(
        "POST", "/_sim/accounts",
        R"({"api_key":")" + key_ + R"(","tokens":[{"token":")" + token_ +
            R"(","operations":["*"]}],"users":[{"email":"Owner@Example.com","last_name":"山田","first_name":"太郎"},{"email":"sales@example.com","last_name":"佐藤","first_name":"花子"}]})");
    owner_id_ = account["users"][0]["id"].GetInt64();
    redis_ = std::make_unique<redis::Client>(redis::Options{.url = redis_server_->url()});
  }
  void TearDown() override { sim().control("DELETE", "/_sim/faults"); }

  Sim& sim() { return *sim_; }

  // An Api whose own limiter is generous unless the test says otherwise.
  std::unique_ptr<Api> make_api(Options options = fast_options(), Sim* target = nullptr) {
    options.base_url = (target ? *target : sim()).base_url();
    return std::make_unique<Api>(options, http_, *redis_);
  }
  static Options fast_options() {
    return Options{.rate_per_second = 1000, .rate_margin = 0ms, .retry = fast_retries()};
  }
  Credentials credentials() const { return {key_, token_}; }

  int64_t create_client(Account& account, const std::string& name) {
    auto client = account.create_client({.name = name, .name_disp = name});
    EXPECT_TRUE(client) << (client ? "" : client.error().message);
    return client ? client->id : 0;
  }

  NewProject new_project(int64_t client_id, const std::string& management_no) {
    return NewProject{.name = "案件 " + management_no,
                      .client_id = client_id,
                      .user_id = owner_id_,
                      .order_status = domain::OrderStatus::estimate_high,
                      .invoice_timing = InvoiceTiming::lump_sum,
                      .invoice_date = "2024-06-30",
                      .management_no = management_no};
  }

  static inline Sim* sim_ = nullptr;
  static inline testing::RedisServer* redis_server_ = nullptr;
  std::string key_;
  std::string tenant_;
  std::string token_;
  int64_t owner_id_ = 0;
  http::Client http_;
  std::unique_ptr<redis::Client> redis_;
};

}  // namespace hbsync::board
