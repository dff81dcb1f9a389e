// The fixture of the mapper process tests (mapper_test.cpp,
// mapper_failure_test.cpp): hbsync-mapper as a real process with
// hbsync-sim-hubspot, hbsync-sim-board, redis-server and the dev broker.
#pragma once

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "hbsync/config/config.hpp"
#include "hbsync/http/client.hpp"
#include "hbsync/kafka/consumer.hpp"
#include "hbsync/kafka/producer.hpp"
#include "hbsync/kafka/reader.hpp"
#include "hbsync/redis/redis.hpp"
#include "hbsync/service/hubspot_events.hpp"
#include "hbsync/tenant/board_users.hpp"
#include "hbsync/tenant/crypto.hpp"
#include "hbsync/tenant/store.hpp"
#include "hbsync/testing/dev_broker.hpp"
#include "hbsync/testing/kafka_lag.hpp"
#include "hbsync/testing/process.hpp"
#include "hbsync/testing/redis_server.hpp"
#include "hbsync/testing/simulator.hpp"
#include "hbsync/v1/events.pb.h"

namespace hbsync::mapper::test {

using namespace std::chrono_literals;
namespace ht = hbsync::testing;
const std::string kPortal = "62515";

inline std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A simulator started on a free port (HBSYNC_SIM_<NAME>_PORT_FILE).
using Sim = ht::Simulator;

class MapperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/hbsync-mapper-test-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    redis_server_ = std::make_unique<ht::RedisServer>();
    broker_ = std::make_unique<ht::DevBroker>(1, 3);
    hubspot_ = std::make_unique<Sim>("hbsync-sim-hubspot", "HBSYNC_SIM_HUBSPOT");
    board_ = std::make_unique<Sim>("hbsync-sim-board", "HBSYNC_SIM_BOARD");

    // HubSpot portal with a private-app token, an owner, companies.
    hubspot_->control("POST", "/_sim/portals", R"({"portalId":)" + kPortal + "}");
    hubspot_->control("POST", "/_sim/portals/" + kPortal + "/tokens",
                      R"({"token":"pat-na1-mapper-test"})");
    hubspot_->control(
        "POST", "/_sim/portals/" + kPortal + "/owners",
        R"({"email":"Owner@Example.com","firstName":"Taro","lastName":"Yamada","id":501,"userId":601})");
    // board account with the owner as a user.
    auto account = board_->control(
        "POST", "/_sim/accounts",
        R"({"api_key":"bkey","tokens":[{"token":"btok"}],"users":[{"email":"other@example.com","last_name":"佐藤","first_name":"花子"},{"email":"owner@example.com","last_name":"山田","first_name":"太郎"}]})");
    ASSERT_TRUE(account.HasMember("users")) << "board account";
    board_user_id_ = account["users"][1]["id"].GetInt64();

    redis_ = std::make_unique<hbsync::redis::Client>(
        hbsync::redis::Options{.url = redis_server_->url()});
    const std::string keys = "k1:" + hbsync::tenant::Keyring::generate_key();
    keyring_ = hbsync::tenant::Keyring::parse(keys);
    hbsync::tenant::Store store(*redis_, keyring_);
    hbsync::tenant::Settings s;
    s.tenant_id = kPortal;
    s.board.api_key = "bkey";
    s.board.api_token = "btok";
    s.board.default_user_id = 999;
    s.hubspot.access_token = "pat-na1-mapper-test";
    s.hubspot.hub_id = std::stoll(kPortal);
    s.pipelines = {{.id = "default",
                    .label = "Sales Pipeline",
                    .stages = {{"appointmentscheduled", "Appointment"}, {"closedwon", "Won"}}}};
    s.stage_mapping.pipelines["default"] = {
        {hbsync::domain::StageRow::order_1, "appointmentscheduled"},
        {hbsync::domain::StageRow::order_5, "closedwon"}};
    auto put = store.put(s);
    ASSERT_TRUE(put.ok()) << put.errors.front().message;

    port_ = ht::free_port();
    log_ = dir_ + "/mapper.log";
    std::map<std::string, std::string> env = {{"HBSYNC_HTTP_ADDRESS", "127.0.0.1"},
                                              {"HBSYNC_HTTP_PORT", std::to_string(port_)},
                                              {"HBSYNC_REDIS_URL", redis_server_->url()},
                                              {"HBSYNC_KAFKA_BROKERS", broker_->bootstrap()},
                                              {"HBSYNC_READY_INTERVAL", "200ms"},
                                              {"HBSYNC_LOG_LEVEL", "debug"},
                                              {"HBSYNC_ENCRYPTION_KEYS", keys},
                                              {"HBSYNC_HUBSPOT_API_URL", hubspot_->base_url()},
                                              {"HBSYNC_BOARD_API_URL", board_->base_url()}};
    env.insert(extra_env_.begin(), extra_env_.end());
    env_ = env;
    start_mapper();
  }

  // Starts hbsync-mapper (again, after a kill) and waits until it is ready.
  void start_mapper() {
    mapper_ = ht::Process({ht::bin_path("hbsync-mapper")}, env_, log_);
    hbsync::http::Client client;
    ASSERT_TRUE(ht::wait_until(
        [&] {
          hbsync::http::ClientRequest r;
          r.url = "http://127.0.0.1:" + std::to_string(port_) + "/readyz";
          r.timeout = 2s;
          auto res = client.send(r);
          return res.ok() && res.response.status == 200;
        },
        30s))
        << read_file(log_);
  }

  void TearDown() override {
    if (mapper_.pid() > 0) {
      mapper_.signal(SIGTERM);
      EXPECT_EQ(mapper_.wait(20s), 0) << read_file(log_);
    }
    if (HasFailure()) std::cerr << read_file(log_);
    board_.reset();
    hubspot_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::string create(const std::string& type, const std::string& body) {
    auto doc = hubspot_->control("POST", "/_sim/portals/" + kPortal + "/objects/" + type, body);
    return doc["id"].GetString();
  }

  hbsync::kafka::ClientOptions client_options(const std::string& id) {
    hbsync::kafka::ClientOptions c;
    c.brokers = broker_->bootstrap();
    c.client_id = id;
    return c;
  }

  // A won deal of the owner with a primary company: one that syncs. Its id.
  std::string create_synced_deal() {
    const std::string company = create("companies", R"({"properties":{"name":"C"}})");
    return create("deals",
                  R"({"properties":{"dealname":"D","pipeline":"default","dealstage":"closedwon",
        "hubspot_owner_id":"501"},"associations":[{"id":")" +
                      company + R"(","primary":true}]})");
  }

  void produce(const hbsync::v1::HubSpotEvent& e) {
    hbsync::config::Loader loader("t", "t", 0, nullptr,
                                  [](const std::string&) { return std::nullopt; });
    hbsync::kafka::Producer producer(
        hbsync::kafka::ProducerOptions::load(loader, client_options("mapper-test-producer")));
    auto r = producer.produce_sync({.topic = "hubspot.events",
                                    .key = kPortal + ":deal:" + std::to_string(e.object_id()),
                                    .value = e.SerializeAsString(),
                                    .headers = {{"hbsync-schema", "hbsync.v1.HubSpotEvent"}},
                                    .correlation_id = {}});
    ASSERT_TRUE(r.ok) << r.error;
  }

  // A batch as ingress publishes it: keyed by its first event.
  void produce_batch(const std::vector<hbsync::v1::HubSpotEvent>& events) {
    hbsync::config::Loader loader("t", "t", 0, nullptr,
                                  [](const std::string&) { return std::nullopt; });
    hbsync::kafka::Producer producer(
        hbsync::kafka::ProducerOptions::load(loader, client_options("mapper-test-producer")));
    hbsync::v1::HubSpotEventBatch batch;
    for (const auto& e : events) *batch.add_events() = e;
    auto r = producer.produce_sync(
        {.topic = "hubspot.events",
         .key = hbsync::service::event_key(events.front()),
         .value = batch.SerializeAsString(),
         .headers = {{"hbsync-schema", std::string(hbsync::service::kHubSpotEventBatchSchema)}},
         .correlation_id = {}});
    ASSERT_TRUE(r.ok) << r.error;
  }

  struct Got {
    std::string key;
    hbsync::v1::SyncCommand command;
  };
  // Every message of `topic`, read once the mapper has handled and committed
  // every event on hubspot.events (its group's lag 0): the quiescence signal
  // after which the topic holds all the mapper will write, duplicates
  // included. Returns early when there are already more than `count`; at the
  // timeout, what the topic holds.
  std::vector<hbsync::kafka::Record> read_when_idle(const std::string& topic, size_t count,
                                                    std::chrono::milliseconds timeout) {
    hbsync::kafka::ReaderOptions ro;
    ro.client = client_options("mapper-test-reader");
    hbsync::kafka::TopicReader reader(ro);
    std::vector<hbsync::kafka::Record> records;
    ht::wait_until(
        [&] {
          auto lag = ht::group_lag(broker_->bootstrap(), "hbsync-mapper", "hubspot.events");
          records.clear();
          try {
            reader.read_all(topic, [&](const hbsync::kafka::Record& r) { records.push_back(r); });
          } catch (const hbsync::kafka::ReadError&) {
            return false;
          }
          return (lag && *lag == 0) || records.size() > count;
        },
        timeout, 100ms);
    return records;
  }

  std::vector<Got> consume_commands(size_t count, std::chrono::milliseconds timeout) {
    std::vector<Got> out;
    for (const auto& r : read_when_idle("sync.commands", count, timeout)) {
      Got g;
      g.key = r.key;
      EXPECT_TRUE(g.command.ParseFromString(r.value));
      EXPECT_EQ(r.header("hbsync-schema").value_or(""), "hbsync.v1.SyncCommand");
      out.push_back(std::move(g));
    }
    return out;
  }

  int64_t portal_calls() {
    auto doc = hubspot_->control("GET", "/_sim/calls");
    if (!doc["accounts"].HasMember(kPortal.c_str())) return 0;
    return doc["accounts"][kPortal.c_str()]["total"].GetInt64();
  }
  std::string calls_json() {
    hbsync::http::Client c;
    auto res = c.send({.method = "GET", .url = hubspot_->base_url() + "/_sim/calls"});
    return res.response.body;
  }

  hbsync::v1::HubSpotEvent event(const std::string& type, int64_t object_id) {
    hbsync::v1::HubSpotEvent e;
    e.set_portal_id(std::stoll(kPortal));
    e.set_event_id(++event_id_);
    e.set_subscription_type(type);
    e.set_object_id(object_id);
    e.set_occurred_at_ms(1795600000000);
    e.set_received_at_ms(1795600001000 + event_id_);  // each its own, to tell them apart
    return e;
  }

  // Raw messages (key, value) of `topic` once the mapper is idle.
  std::vector<std::pair<std::string, std::string>> consume_raw(const std::string& topic,
                                                               size_t count,
                                                               std::chrono::milliseconds timeout) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& r : read_when_idle(topic, count, timeout)) out.emplace_back(r.key, r.value);
    return out;
  }

  std::map<std::string, std::string> extra_env_;
  std::map<std::string, std::string> env_;  // the mapper's
  std::string dir_;
  std::unique_ptr<ht::RedisServer> redis_server_;
  std::unique_ptr<ht::DevBroker> broker_;
  std::unique_ptr<Sim> hubspot_;
  std::unique_ptr<Sim> board_;
  std::unique_ptr<hbsync::redis::Client> redis_;
  hbsync::tenant::Keyring keyring_;
  ht::Process mapper_;
  uint16_t port_ = 0;
  std::string log_;
  int64_t board_user_id_ = 0;
  int64_t event_id_ = 0;
};

}  // namespace hbsync::mapper::test
