// hbsync-mapper as a real process with hbsync-sim-hubspot, hbsync-sim-board,
// redis-server and the dev broker: HubSpotEvents in, SyncCommands out.
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
#include <sstream>
#include <thread>

#include "hbsync/config/config.hpp"
#include "hbsync/http/client.hpp"
#include "hbsync/kafka/consumer.hpp"
#include "hbsync/kafka/producer.hpp"
#include "hbsync/redis/redis.hpp"
#include "hbsync/tenant/board_users.hpp"
#include "hbsync/tenant/crypto.hpp"
#include "hbsync/tenant/store.hpp"
#include "hbsync/testing/dev_broker.hpp"
#include "hbsync/testing/process.hpp"
#include "hbsync/testing/redis_server.hpp"
#include "hbsync/v1/events.pb.h"

namespace {

using namespace std::chrono_literals;
namespace ht = hbsync::testing;
const std::string kPortal = "62515";

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A simulator started on a free port (HBSYNC_SIM_<NAME>_PORT_FILE).
class Sim {
 public:
  Sim(const std::string& binary, const std::string& env_prefix, const std::string& dir) {
    const std::string port_file = dir + "/" + binary + ".port";
    log_ = dir + "/" + binary + ".log";
    process_ = ht::Process({ht::bin_path(binary)},
                           {{env_prefix + "_PORT", "0"},
                            {env_prefix + "_PORT_FILE", port_file},
                            {"HBSYNC_LOG_LEVEL", "warn"}},
                           log_);
    std::string port;
    if (!ht::wait_until(
            [&] {
              std::ifstream in(port_file);
              return static_cast<bool>(in >> port);
            },
            15s)) {
      throw std::runtime_error(binary + " did not start; see " + log_);
    }
    base_ = "http://127.0.0.1:" + port;
  }
  ~Sim() {
    process_.signal(SIGTERM);
    process_.wait(5s);
  }
  const std::string& base() const { return base_; }
  rapidjson::Document control(const std::string& method, const std::string& target,
                              const std::string& body = "") {
    hbsync::http::ClientRequest r{.method = method, .url = base_ + target, .body = body};
    if (!body.empty()) r.headers.set("Content-Type", "application/json");
    auto res = client_.send(r);
    EXPECT_TRUE(res.ok()) << res.error_message;
    EXPECT_LT(res.response.status, 300) << method << " " << target << ": " << res.response.body;
    rapidjson::Document doc;
    doc.Parse(res.response.body.empty() ? "{}" : res.response.body.c_str());
    return doc;
  }

 private:
  std::string log_;
  ht::Process process_;
  std::string base_;
  hbsync::http::Client client_;
};

class MapperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/hbsync-mapper-test-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    redis_server_ = std::make_unique<ht::RedisServer>();
    broker_ = std::make_unique<ht::DevBroker>(1, 3);
    hubspot_ = std::make_unique<Sim>("hbsync-sim-hubspot", "HBSYNC_SIM_HUBSPOT", dir_);
    board_ = std::make_unique<Sim>("hbsync-sim-board", "HBSYNC_SIM_BOARD", dir_);

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
    std::map<std::string, std::string> env = {
        {"HBSYNC_HTTP_ADDRESS", "127.0.0.1"},       {"HBSYNC_HTTP_PORT", std::to_string(port_)},
        {"HBSYNC_REDIS_URL", redis_server_->url()}, {"HBSYNC_KAFKA_BROKERS", broker_->bootstrap()},
        {"HBSYNC_READY_INTERVAL", "200ms"},         {"HBSYNC_LOG_LEVEL", "debug"},
        {"HBSYNC_ENCRYPTION_KEYS", keys},           {"HBSYNC_HUBSPOT_API_URL", hubspot_->base()},
        {"HBSYNC_BOARD_API_URL", board_->base()}};
    env.insert(extra_env_.begin(), extra_env_.end());
    mapper_ = ht::Process({ht::bin_path("hbsync-mapper")}, env, log_);
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

  struct Got {
    std::string key;
    hbsync::v1::SyncCommand command;
  };
  std::vector<Got> consume_commands(size_t count, std::chrono::milliseconds timeout) {
    hbsync::config::Loader loader("t", "t", 0, nullptr,
                                  [](const std::string&) { return std::nullopt; });
    auto options = hbsync::kafka::ConsumerOptions::load(loader, client_options("mapper-test"),
                                                        "mapper-test-" + std::to_string(++group_),
                                                        {"sync.commands"});
    std::mutex mu;
    std::vector<Got> out;
    hbsync::kafka::Consumer consumer(options, [&](const hbsync::kafka::Message& m) {
      Got g;
      g.key = std::string(m.key);
      EXPECT_TRUE(g.command.ParseFromArray(m.value.data(), static_cast<int>(m.value.size())));
      EXPECT_EQ(m.header("hbsync-schema").value_or(""), "hbsync.v1.SyncCommand");
      std::lock_guard lock(mu);
      out.push_back(std::move(g));
      return hbsync::kafka::HandlerResult::done;
    });
    std::thread t([&] { consumer.run(); });
    ht::wait_until(
        [&] {
          std::lock_guard lock(mu);
          return out.size() >= count;
        },
        timeout);
    std::this_thread::sleep_for(500ms);
    consumer.stop();
    t.join();
    return out;
  }

  int64_t portal_calls() {
    auto doc = hubspot_->control("GET", "/_sim/calls");
    if (!doc["accounts"].HasMember(kPortal.c_str())) return 0;
    return doc["accounts"][kPortal.c_str()]["total"].GetInt64();
  }
  std::string calls_json() {
    hbsync::http::Client c;
    auto res = c.send({.method = "GET", .url = hubspot_->base() + "/_sim/calls"});
    return res.response.body;
  }

  hbsync::v1::HubSpotEvent event(const std::string& type, int64_t object_id) {
    hbsync::v1::HubSpotEvent e;
    e.set_portal_id(std::stoll(kPortal));
    e.set_event_id(++event_id_);
    e.set_subscription_type(type);
    e.set_object_id(object_id);
    e.set_occurred_at_ms(1795600000000);
    return e;
  }

  // Raw messages of `topic` from the start, until `count` or the timeout.
  std::vector<std::pair<std::string, std::string>> consume_raw(const std::string& topic,
                                                               size_t count,
                                                               std::chrono::milliseconds timeout) {
    hbsync::config::Loader loader("t", "t", 0, nullptr,
                                  [](const std::string&) { return std::nullopt; });
    auto options = hbsync::kafka::ConsumerOptions::load(
        loader, client_options("mapper-test"), "mapper-test-" + std::to_string(++group_), {topic});
    std::mutex mu;
    std::vector<std::pair<std::string, std::string>> out;
    hbsync::kafka::Consumer consumer(options, [&](const hbsync::kafka::Message& m) {
      std::lock_guard lock(mu);
      out.emplace_back(std::string(m.key), std::string(m.value));
      return hbsync::kafka::HandlerResult::done;
    });
    std::thread t([&] { consumer.run(); });
    ht::wait_until(
        [&] {
          std::lock_guard lock(mu);
          return out.size() >= count;
        },
        timeout);
    std::this_thread::sleep_for(500ms);
    consumer.stop();
    t.join();
    return out;
  }

  std::map<std::string, std::string> extra_env_;
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
  int group_ = 0;
  int64_t event_id_ = 0;
};

TEST_F(MapperTest, DealEventsBecomeSyncCommands) {
  const std::string company_a = create("companies", R"({"properties":{"name":"株式会社A"}})");
  const std::string company_b = create("companies", R"({"properties":{"name":"B"}})");
  // Primary company B, plus A unlabeled.
  const std::string deal1 = create(
      "deals", R"({"properties":{"dealname":"D1","pipeline":"default","dealstage":"closedwon",
        "closedate":"2026-12-10T03:00:00Z","hubspot_owner_id":"501"},
        "associations":[{"id":")" +
                   company_a + R"(","primary":false},{"id":")" + company_b +
                   R"(","primary":true}]})");
  const std::string deal2 = create(
      "deals", R"({"properties":{"dealname":"D2","pipeline":"default","dealstage":"closedwon",
        "hubspot_owner_id":"501"}})");
  const std::string deal3 = create(
      "deals",
      R"({"properties":{"dealname":"D3","pipeline":"default","dealstage":"appointmentscheduled",
        "hubspot_owner_id":"501"},"associations":[{"id":")" +
          company_a + R"(","primary":false}]})");
  hubspot_->control("DELETE", "/_sim/calls");

  produce(event("deal.creation", std::stoll(deal1)));
  auto first = consume_commands(1, 30s);
  ASSERT_EQ(first.size(), 1u) << read_file(log_);
  EXPECT_EQ(portal_calls(), 2) << calls_json();  // deals.get + owners.get (then cached)

  produce(event("deal.creation", std::stoll(deal2)));
  auto ev3 = event("deal.propertyChange", std::stoll(deal3));
  ev3.set_property_name("dealstage");
  ev3.set_property_value("appointmentscheduled");
  produce(ev3);
  // A duplicate of the first: that read already saw it, no second read.
  produce(event("deal.creation", std::stoll(deal1)));
  // A change after the read: read again (same state here, so the same key).
  auto later = event("deal.propertyChange", std::stoll(deal1));
  later.set_property_name("dealstage");
  later.set_property_value("closedwon");
  later.set_occurred_at_ms(std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count() +
                           3600000);
  produce(later);
  auto ignored = event("deal.propertyChange", std::stoll(deal1));
  ignored.set_property_name("amount");
  produce(ignored);

  auto all = consume_commands(4, 30s);
  ASSERT_EQ(all.size(), 4u) << read_file(log_);
  // One HubSpot call per further read: owners cached, nothing for the
  // duplicate (covered by the first read) or the ignored event.
  EXPECT_EQ(portal_calls(), 2 + 3) << calls_json();

  std::map<std::string, std::vector<hbsync::v1::SyncCommand>> by_key;
  for (const auto& g : all) by_key[g.key].push_back(g.command);

  const auto& d1 = by_key[kPortal + ":deal:" + deal1];
  ASSERT_EQ(d1.size(), 2u);
  ASSERT_TRUE(d1[0].has_sync_deal());
  const auto& s = d1[0].sync_deal();
  EXPECT_EQ(d1[0].tenant_id(), kPortal);
  EXPECT_EQ(s.deal_id(), std::stoll(deal1));
  EXPECT_EQ(s.company_id(), std::stoll(company_b));
  EXPECT_EQ(s.order_status(), 5);
  EXPECT_EQ(s.board_user_id(), board_user_id_);
  EXPECT_EQ(s.invoice_date(), "2026-12-10");
  EXPECT_EQ(s.management_no(), "HS-" + deal1);
  // The deal name travels sealed for this tenant and deal only.
  EXPECT_EQ(s.sealed_deal_name().find("D1"), std::string::npos);
  EXPECT_EQ(hbsync::tenant::open_deal_name(keyring_, kPortal, s.deal_id(), s.sealed_deal_name())
                .value_or("(not opened)"),
            "D1");
  EXPECT_FALSE(
      hbsync::tenant::open_deal_name(keyring_, kPortal, s.deal_id() + 1, s.sealed_deal_name()));
  EXPECT_EQ(s.pipeline_id(), "default");
  EXPECT_EQ(s.stage_id(), "closedwon");
  EXPECT_GT(s.deal_updated_at_ms(), 0);
  EXPECT_EQ(d1[1].command_id(), d1[0].command_id());  // same deal state, same key

  const auto& d2 = by_key[kPortal + ":deal:" + deal2];
  ASSERT_EQ(d2.size(), 1u);
  ASSERT_TRUE(d2[0].has_record_skip());
  EXPECT_EQ(d2[0].record_skip().reason_code(), "no_company");
  EXPECT_EQ(d2[0].record_skip().object_id(), std::stoll(deal2));

  const auto& d3 = by_key[kPortal + ":deal:" + deal3];
  ASSERT_EQ(d3.size(), 1u);
  ASSERT_TRUE(d3[0].has_sync_deal());
  EXPECT_EQ(d3[0].sync_deal().company_id(), std::stoll(company_a));  // only company
  EXPECT_EQ(d3[0].sync_deal().order_status(), 1);
  EXPECT_EQ(d3[0].sync_deal().board_user_id(), board_user_id_);

  // The debug line the service tests rely on, for every finished message.
  EXPECT_NE(read_file(log_).find(R"("msg":"message handled","topic":"hubspot.events")"),
            std::string::npos);
}

// Board users come from Redis (stored sealed when the tenant is applied):
// no users call for a tenant's deals while the list is fresh, and an owner
// with no board user reads them again once the list is older than
// HBSYNC_MAPPER_USERS_MISS_REFRESH (30 min), picking up a user added since.
TEST_F(MapperTest, BoardUsersComeFromRedisAndAnUnmatchedOwnerRefreshesThem) {
  auto users_calls = [&] {
    auto doc = board_->control("GET", "/_sim/calls");
    int64_t n = 0;
    if (!doc["accounts"].HasMember("bkey")) return n;
    const auto& routes = doc["accounts"]["bkey"]["routes"];
    if (!routes.HasMember("GET /v1/users")) return n;
    for (const auto& st : routes["GET /v1/users"].GetObject()) n += st.value.GetInt64();
    return n;
  };
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  // What `tenant apply` stored before the owner's board user existed.
  hbsync::tenant::save_board_users(
      *redis_, keyring_, kPortal,
      {.users = {{.id = 77, .email = "other@example.com"}}, .fetched_at_ms = now});
  const std::string company = create("companies", R"({"properties":{"name":"株式会社U"}})");
  auto deal = [&](const std::string& name) {
    return create("deals", R"({"properties":{"dealname":")" + name +
                               R"(","pipeline":"default","dealstage":"closedwon",
        "hubspot_owner_id":"501"},"associations":[{"id":")" +
                               company + R"(","primary":true}]})");
  };
  const std::string deal1 = deal("U1");
  produce(event("deal.creation", std::stoll(deal1)));
  auto first = consume_commands(1, 30s);
  ASSERT_EQ(first.size(), 1u) << read_file(log_);
  ASSERT_TRUE(first[0].command.has_sync_deal());
  EXPECT_EQ(first[0].command.sync_deal().board_user_id(), 999);  // the default: no match
  EXPECT_EQ(users_calls(), 0) << "a fresh stored list is used as it is";

  // The same list, 31 minutes old: the unmatched owner reads the users again.
  hbsync::tenant::save_board_users(
      *redis_, keyring_, kPortal,
      {.users = {{.id = 77, .email = "other@example.com"}}, .fetched_at_ms = now - 31 * 60 * 1000});
  const std::string deal2 = deal("U2");
  produce(event("deal.creation", std::stoll(deal2)));
  auto both = consume_commands(2, 30s);
  ASSERT_EQ(both.size(), 2u) << read_file(log_);
  const auto second = std::find_if(both.begin(), both.end(), [&](const Got& g) {
    return g.command.sync_deal().deal_id() == std::stoll(deal2);
  });
  ASSERT_NE(second, both.end());
  EXPECT_EQ(second->command.sync_deal().board_user_id(), board_user_id_);
  EXPECT_EQ(users_calls(), 1);
  auto stored = hbsync::tenant::load_board_users(*redis_, keyring_, kPortal);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->users.size(), 2u);
  EXPECT_GE(stored->fetched_at_ms, now);
  // Sealed: no e-mail in clear in Redis.
  auto raw = redis_->command({"GET", hbsync::tenant::board_users_key(kPortal)});
  EXPECT_EQ(raw.str.find("@example.com"), std::string::npos);
}

// A message the mapper cannot decode (here a string field that is not UTF-8,
// which protobuf refuses to parse) used to be logged and dropped: it now goes
// to sync.dlq with a reason, as does an unreadable board change.
TEST_F(MapperTest, UnreadableMessagesAreDeadLetteredWithAReason) {
  hbsync::config::Loader loader("t", "t", 0, nullptr,
                                [](const std::string&) { return std::nullopt; });
  hbsync::kafka::Producer producer(
      hbsync::kafka::ProducerOptions::load(loader, client_options("mapper-test-producer")));
  auto bad = event("deal.creation", 31);
  bad.set_change_source("\xff\xfe");
  const std::string bad_bytes = bad.SerializeAsString();
  ASSERT_FALSE(hbsync::v1::HubSpotEvent().ParseFromString(bad_bytes));
  ASSERT_TRUE(producer
                  .produce_sync({.topic = "hubspot.events",
                                 .key = kPortal + ":deal:31",
                                 .value = bad_bytes,
                                 .headers = {},
                                 .correlation_id = {}})
                  .ok);
  ASSERT_TRUE(producer
                  .produce_sync({.topic = "board.changes",
                                 .key = kPortal + ":project:1",
                                 .value = "\x0a\xff",
                                 .headers = {},
                                 .correlation_id = {}})
                  .ok);
  auto dlq = consume_raw("sync.dlq", 2, 30s);
  ASSERT_EQ(dlq.size(), 2u) << read_file(log_);
  std::map<std::string, hbsync::v1::DeadLetter> by_topic;
  for (const auto& [key, value] : dlq) {
    hbsync::v1::DeadLetter dl;
    ASSERT_TRUE(dl.ParseFromString(value));
    by_topic[dl.source_topic()] = dl;
  }
  EXPECT_EQ(by_topic["hubspot.events"].reason_code(), "unreadable_event");
  EXPECT_EQ(by_topic["hubspot.events"].payload(), bad_bytes);
  EXPECT_EQ(by_topic["board.changes"].reason_code(), "unreadable_board_change");
  EXPECT_EQ(by_topic["board.changes"].payload(), "\x0a\xff");
  hbsync::http::Client client;
  auto metrics = client.send({.url = "http://127.0.0.1:" + std::to_string(port_) + "/metrics"});
  EXPECT_NE(
      metrics.response.body.find(
          R"(hbsync_unreadable_messages_total{reason_code="unreadable_event",topic="hubspot.events"} 1)"),
      std::string::npos)
      << metrics.response.body;
}

class MapperFailureTest : public MapperTest {
 protected:
  MapperFailureTest() {
    extra_env_ = {{"HBSYNC_KAFKA_RETRY_MAX_ATTEMPTS", "2"},
                  {"HBSYNC_KAFKA_RETRY_INITIAL_DELAY", "100ms"},
                  {"HBSYNC_HUBSPOT_RETRY_MAX_ATTEMPTS", "1"}};
  }
};

TEST_F(MapperFailureTest, DeletionNotFoundUnknownTenantAndDeadLetter) {
  produce(event("deal.deletion", 777));
  produce(event("deal.creation", 99999999999));  // HubSpot answers 404
  auto unknown = event("deal.creation", 5);
  unknown.set_portal_id(4242);  // not a tenant (Redis has tenants): dead-lettered
  produce(unknown);
  auto commands = consume_commands(2, 30s);
  ASSERT_EQ(commands.size(), 2u) << read_file(log_);
  std::map<std::string, hbsync::v1::SyncCommand> by_key;
  for (const auto& g : commands) by_key[g.key] = g.command;
  ASSERT_TRUE(by_key[kPortal + ":deal:777"].has_deactivate_deal());
  EXPECT_EQ(by_key[kPortal + ":deal:777"].deactivate_deal().deal_id(), 777);
  ASSERT_TRUE(by_key[kPortal + ":deal:99999999999"].has_record_skip());
  EXPECT_EQ(by_key[kPortal + ":deal:99999999999"].record_skip().reason_code(), "deal_not_found");

  // HubSpot down: the event is retried, then dead-lettered with its payload.
  hubspot_->control("POST", "/_sim/faults", R"({"count":1000,"status":503})");
  const std::string deal = create(
      "deals", R"({"properties":{"dealname":"D","pipeline":"default","dealstage":"closedwon"}})");
  auto e = event("deal.creation", std::stoll(deal));
  produce(e);
  auto dlq = consume_raw("sync.dlq", 2, 30s);
  ASSERT_EQ(dlq.size(), 2u) << read_file(log_);
  std::map<std::string, hbsync::v1::DeadLetter> dl_by_reason;
  for (const auto& [key, value] : dlq) {
    hbsync::v1::DeadLetter d;
    ASSERT_TRUE(d.ParseFromString(value));
    dl_by_reason[d.reason_code()] = d;
  }
  // The unknown tenant's event is never dropped silently.
  ASSERT_TRUE(dl_by_reason.count("unknown_tenant")) << read_file(log_);
  EXPECT_EQ(dl_by_reason["unknown_tenant"].payload(), unknown.SerializeAsString());
  ASSERT_TRUE(dl_by_reason.count("hubspot_server")) << read_file(log_);
  const hbsync::v1::DeadLetter& dl = dl_by_reason["hubspot_server"];
  EXPECT_EQ(dl.source_topic(), "hubspot.events");
  EXPECT_EQ(dl.reason_code(), "hubspot_server");
  EXPECT_EQ(dl.attempts(), 2);
  EXPECT_EQ(dl.tenant_id(), kPortal);
  EXPECT_EQ(dl.payload(), e.SerializeAsString());
  hubspot_->control("DELETE", "/_sim/faults");
  // Nothing but the two earlier commands went to sync.commands.
  EXPECT_EQ(consume_raw("sync.commands", 3, 10s).size(), 2u);
  EXPECT_NE(read_file(log_).find("event of an unknown tenant dead-lettered"), std::string::npos);
}

// Redis at maxmemory (noeviction) refuses writes: the failure is reported as
// Redis's, with Redis's own text, and the mapper is not ready.
TEST_F(MapperFailureTest, RedisRefusingWritesIsReportedAsARedisError) {
  const std::string deal = create(
      "deals", R"({"properties":{"dealname":"D","pipeline":"default","dealstage":"closedwon"}})");
  redis_->command({"CONFIG", "SET", "maxmemory-policy", "noeviction"});
  redis_->command({"CONFIG", "SET", "maxmemory", "1"});
  auto e = event("deal.creation", std::stoll(deal));
  produce(e);
  auto dlq = consume_raw("sync.dlq", 1, 30s);
  ASSERT_EQ(dlq.size(), 1u) << read_file(log_);
  hbsync::v1::DeadLetter dl;
  ASSERT_TRUE(dl.ParseFromString(dlq[0].second));
  EXPECT_EQ(dl.reason_code(), "redis_error") << dl.reason();
  EXPECT_NE(dl.reason().find("OOM"), std::string::npos) << dl.reason();
  const std::string log = read_file(log_);
  EXPECT_NE(log.find("OOM command not allowed"), std::string::npos);
  EXPECT_EQ(log.find("hubspot_network"), std::string::npos);
  // Readiness reflects a Redis that refuses writes, with its reason.
  hbsync::http::Client client;
  hbsync::http::ClientResult ready;
  EXPECT_TRUE(ht::wait_until(
      [&] {
        ready = client.send(
            {.method = "GET", .url = "http://127.0.0.1:" + std::to_string(port_) + "/readyz"});
        return ready.ok() && ready.response.status == 503;
      },
      10s));
  EXPECT_NE(ready.response.body.find("OOM"), std::string::npos) << ready.response.body;
  EXPECT_NE(
      client
          .send({.method = "GET", .url = "http://127.0.0.1:" + std::to_string(port_) + "/metrics"})
          .response.body.find("hbsync_redis_write_refused 1"),
      std::string::npos);
  redis_->command({"CONFIG", "SET", "maxmemory", "0"});
}

}  // namespace
