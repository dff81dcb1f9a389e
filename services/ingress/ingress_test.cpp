// hbsync-ingress as a real process against redis-server and the dev broker:
// what HubSpot's requests get back, and what reaches hubspot.events.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
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
#include "hbsync/tenant/keys.hpp"
#include "hbsync/testing/dev_broker.hpp"
#include "hbsync/testing/process.hpp"
#include "hbsync/testing/redis_server.hpp"
#include "hbsync/v1/events.pb.h"
#include "hbsync/webhook/signature.hpp"

namespace {

using namespace std::chrono_literals;
constexpr const char* kSecret = "ingress-test-secret";

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string event(int64_t portal, int64_t object, const std::string& type = "deal.creation") {
  return R"({"eventId":1,"subscriptionId":2,"portalId":)" + std::to_string(portal) +
         R"(,"appId":3,"occurredAt":1700000000000,"subscriptionType":")" + type +
         R"(","attemptNumber":0,"objectId":)" + std::to_string(object) +
         R"(,"changeSource":"CRM_UI"})";
}

class IngressTest : public ::testing::Test {
 protected:
  void SetUp() override {
    redis_ = std::make_unique<hbsync::testing::RedisServer>();
    broker_ = std::make_unique<hbsync::testing::DevBroker>(3, 6);
    port_ = hbsync::testing::free_port();
    base_ = "http://127.0.0.1:" + std::to_string(port_);
    log_ = ::testing::TempDir() + "ingress-" + std::to_string(port_) + ".log";
    process_ =
        hbsync::testing::Process({hbsync::testing::bin_path("hbsync-ingress")},
                                 {{"HBSYNC_HTTP_ADDRESS", "127.0.0.1"},
                                  {"HBSYNC_HTTP_PORT", std::to_string(port_)},
                                  {"HBSYNC_REDIS_URL", redis_->url()},
                                  {"HBSYNC_KAFKA_BROKERS", broker_->bootstrap()},
                                  {"HBSYNC_KAFKA_DELIVERY_TIMEOUT", "3s"},
                                  {"HBSYNC_HUBSPOT_CLIENT_SECRET", kSecret},
                                  {"HBSYNC_INGRESS_PUBLIC_BASE_URL", "https://hooks.example.com"},
                                  {"HBSYNC_READY_INTERVAL", "200ms"}},
                                 log_);
    hbsync::redis::Options ro;
    ro.url = redis_->url();
    hbsync::redis::Client redis(ro);
    // As `hbsync-ctl tenant apply` leaves it: tenants and the instance marker.
    redis.command({"SET", hbsync::tenant::keys::kInstance, "ingress-test"});
    redis.command({"SADD", hbsync::tenant::keys::kTenants, "62515", "777"});
    ASSERT_TRUE(hbsync::testing::wait_until([&] { return get("/readyz") == 200; }, 30s))
        << read_file(log_);
  }

  void TearDown() override {
    process_.signal(SIGTERM);
    EXPECT_EQ(process_.wait(10s), 0) << read_file(log_);
  }

  int get(const std::string& path) {
    hbsync::http::ClientRequest r;
    r.url = base_ + path;
    r.timeout = 2s;
    auto res = client_.send(r);
    return res.ok() ? res.response.status : 0;
  }

  hbsync::http::ClientResult post(const std::string& body, int64_t ts_ms = 0,
                                  const std::string& content_type = "application/json",
                                  bool sign = true) {
    if (ts_ms == 0) ts_ms = hbsync::webhook::unix_millis();
    hbsync::http::ClientRequest r;
    r.method = "POST";
    r.url = base_ + "/webhooks/hubspot";
    r.body = body;
    r.timeout = 10s;
    r.headers.set("Content-Type", content_type);
    r.headers.set("X-HubSpot-Request-Timestamp", std::to_string(ts_ms));
    if (sign) {
      r.headers.set(
          "X-HubSpot-Signature-v3",
          hbsync::webhook::sign_v3(kSecret, "POST", "https://hooks.example.com/webhooks/hubspot",
                                   body, ts_ms));
    }
    return client_.send(r);
  }

  // hubspot.events from the start, once it holds `count` messages (or what
  // it holds at the timeout). Ingress answers a webhook only after Kafka
  // acknowledged its events, so once the test's requests are answered the
  // topic holds everything they published, duplicates included: reading up
  // to the high watermark sees them all, no waiting "a little longer".
  // Events: a message is one HubSpotEvent or a HubSpotEventBatch of them
  // (by its hbsync-schema header); `keys` gets each event's key.
  std::vector<hbsync::v1::HubSpotEvent> consume(size_t count, std::chrono::milliseconds timeout,
                                                std::vector<std::string>* keys = nullptr) {
    std::vector<hbsync::v1::HubSpotEvent> out;
    hbsync::testing::wait_until(
        [&] {
          out.clear();
          if (keys) keys->clear();
          for (const auto& r : records()) {
            for (auto& e : events_of(r)) {
              if (keys) keys->push_back(hbsync::service::event_key(e));
              out.push_back(std::move(e));
            }
          }
          return out.size() >= count;
        },
        timeout, 100ms);
    return out;
  }

  // Every message of hubspot.events (none when the topic cannot be read).
  std::vector<hbsync::kafka::Record> records() {
    hbsync::kafka::ReaderOptions ro;
    ro.client.brokers = broker_->bootstrap();
    ro.client.client_id = "ingress-test-reader";
    hbsync::kafka::TopicReader reader(ro);
    std::vector<hbsync::kafka::Record> out;
    try {
      reader.read_all("hubspot.events", [&](const hbsync::kafka::Record& r) { out.push_back(r); });
    } catch (const hbsync::kafka::ReadError&) {
      out.clear();
    }
    return out;
  }

  static std::vector<hbsync::v1::HubSpotEvent> events_of(const hbsync::kafka::Record& r) {
    const auto schema = r.header("hbsync-schema").value_or("");
    if (schema == hbsync::service::kHubSpotEventBatchSchema) {
      hbsync::v1::HubSpotEventBatch batch;
      EXPECT_TRUE(batch.ParseFromString(r.value));
      return {batch.events().begin(), batch.events().end()};
    }
    EXPECT_EQ(schema, hbsync::service::kHubSpotEventSchema);
    hbsync::v1::HubSpotEvent e;
    EXPECT_TRUE(e.ParseFromString(r.value));
    return {e};
  }

  std::unique_ptr<hbsync::testing::RedisServer> redis_;
  std::unique_ptr<hbsync::testing::DevBroker> broker_;
  uint16_t port_ = 0;
  std::string base_;
  std::string log_;
  hbsync::testing::Process process_;
  hbsync::http::Client client_;
};

TEST_F(IngressTest, SignedBatchIsPublishedBeforeTheAnswer) {
  std::string body = "[" + event(62515, 10) + "," + event(62515, 11) + "," +
                     event(777, 12, "company.creation") + "]";
  auto res = post(body);
  ASSERT_TRUE(res.ok()) << res.error_message;
  EXPECT_EQ(res.response.status, 204);
  std::vector<std::string> keys;
  auto events = consume(3, 20s, &keys);
  ASSERT_EQ(events.size(), 3u);
  std::set<std::string> key_set(keys.begin(), keys.end());
  EXPECT_TRUE(key_set.count("62515:deal:10"));
  EXPECT_TRUE(key_set.count("777:company:12"));
  for (auto& e : events) EXPECT_GT(e.received_at_ms(), 0);
}

TEST_F(IngressTest, BadRequestsAreRefusedAndNothingIsPublished) {
  std::string body = "[" + event(62515, 20) + "]";
  EXPECT_EQ(post(body, 0, "application/json", false).response.status, 401);  // unsigned
  EXPECT_EQ(post(body, hbsync::webhook::unix_millis() - 6 * 60 * 1000).response.status,
            401);  // older than 5 minutes
  EXPECT_EQ(post(body, hbsync::webhook::unix_millis() + 10 * 60 * 1000).response.status,
            401);  // from the future
  EXPECT_EQ(post(body, 0, "text/plain").response.status, 415);
  EXPECT_EQ(post("[{\"portalId\":1}]").response.status, 400);
  EXPECT_EQ(post("not json").response.status, 400);
  std::string big = "[";
  for (int i = 0; i < 101; ++i) big += (i ? "," : "") + event(62515, 30 + i);
  big += "]";
  EXPECT_EQ(post(big).response.status, 400);
  // A tampered body with the original signature.
  hbsync::http::ClientRequest r;
  r.method = "POST";
  r.url = base_ + "/webhooks/hubspot";
  auto ts = hbsync::webhook::unix_millis();
  r.headers.set("Content-Type", "application/json");
  r.headers.set("X-HubSpot-Request-Timestamp", std::to_string(ts));
  r.headers.set("X-HubSpot-Signature-v3",
                hbsync::webhook::sign_v3(kSecret, "POST",
                                         "https://hooks.example.com/webhooks/hubspot", body, ts));
  r.body = "[" + event(62515, 21) + "]";
  EXPECT_EQ(client_.send(r).response.status, 401);

  // Then one good request: it is the only thing on the topic.
  EXPECT_EQ(post("[" + event(62515, 99) + "]").response.status, 204);
  auto events = consume(1, 20s);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].object_id(), 99);
}

TEST_F(IngressTest, UnknownPortalsAreAcknowledgedAndCountedNotPublished) {
  auto res = post("[" + event(555, 1) + "," + event(62515, 2) + "]");
  EXPECT_EQ(res.response.status, 204);
  auto events = consume(1, 20s);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].portal_id(), 62515);
  hbsync::http::ClientRequest m;
  m.url = base_ + "/metrics";
  auto metrics = client_.send(m).response.body;
  EXPECT_NE(metrics.find("hbsync_ingress_events_total{result=\"unknown_portal\"} 1"),
            std::string::npos)
      << metrics;
}

TEST_F(IngressTest, KafkaDownMeansServiceUnavailableAndNoAcceptedEventIsLost) {
  broker_->all_down();
  auto down = post("[" + event(62515, 500) + "]");
  ASSERT_TRUE(down.ok());
  EXPECT_EQ(down.response.status, 503) << "must not acknowledge what Kafka did not store";
  broker_->all_up();
  // HubSpot retries; once the brokers are back the event is accepted.
  int status = 0;
  ASSERT_TRUE(hbsync::testing::wait_until(
      [&] {
        status = post("[" + event(62515, 500) + "]").response.status;
        return status == 204;
      },
      30s, 500ms));
  auto events = consume(1, 20s);
  // The 503'd attempt may or may not have reached Kafka in the end (the
  // producer can still deliver after its caller gave up), but the one
  // acknowledged attempt must be there.
  ASSERT_GE(events.size(), 1u);
  for (auto& e : events) EXPECT_EQ(e.object_id(), 500);
}

// One message per request and portal: a request's events of one portal
// travel as one HubSpotEventBatch keyed by the portal (so a tenant's events
// all take one partition), each deal's events in the order HubSpot sent them.
TEST_F(IngressTest, ARequestIsOneBatchPerPortalKeepingEachDealsOrder) {
  std::string body = "[";
  std::vector<std::string> sent;
  for (int round = 0; round < 3; ++round) {
    for (int deal = 0; deal < 10; ++deal) {
      // Deals 0-6 of one tenant, 7-9 of another, interleaved.
      const int64_t portal = deal < 7 ? 62515 : 777;
      std::string e = event(portal, 100 + deal, "deal.propertyChange");
      const std::string zero = "\"attemptNumber\":0";
      e.replace(e.find(zero), zero.size(), "\"attemptNumber\":" + std::to_string(round));
      body += (sent.empty() ? "" : ",") + e;
      sent.push_back(std::to_string(100 + deal) + "/" + std::to_string(round));
    }
  }
  body += "]";
  ASSERT_EQ(post(body).response.status, 204);
  ASSERT_EQ(post("[" + event(62515, 1) + "]").response.status, 204);

  std::map<int64_t, std::vector<int32_t>> rounds_by_deal;
  std::map<std::string, std::set<int32_t>> partitions_by_key;
  size_t batches = 0, events = 0;
  for (const auto& r : records()) {
    ASSERT_EQ(r.header("hbsync-schema").value_or(""), hbsync::service::kHubSpotEventBatchSchema);
    ++batches;
    partitions_by_key[r.key].insert(r.partition);
    for (const auto& e : events_of(r)) {
      EXPECT_EQ(r.key, std::to_string(e.portal_id())) << "keyed by its portal";
      if (e.object_id() >= 100) rounds_by_deal[e.object_id()].push_back(e.attempt_number());
      ++events;
    }
  }
  EXPECT_EQ(events, 31u);
  EXPECT_EQ(batches, 3u) << "two portals in the first request, one in the second";
  ASSERT_EQ(partitions_by_key.size(), 2u);
  for (const auto& [key, partitions] : partitions_by_key) {
    EXPECT_EQ(partitions.size(), 1u) << "portal " << key << " on one partition";
  }
  ASSERT_EQ(rounds_by_deal.size(), 10u);
  for (const auto& [deal, rounds] : rounds_by_deal) {
    EXPECT_EQ(rounds, (std::vector<int32_t>{0, 1, 2})) << "deal " << deal;
  }
  // The metrics count events, not messages.
  hbsync::http::ClientRequest m;
  m.url = base_ + "/metrics";
  EXPECT_NE(
      client_.send(m).response.body.find("hbsync_ingress_events_total{result=\"published\"} 31"),
      std::string::npos);
}

// Hostile but validly signed bodies: 150,000 nested arrays (300 KB) used to
// overflow the stack and kill ingress; a string that is not UTF-8 used to be
// acknowledged (204) and published, then dropped by the mapper.
TEST_F(IngressTest, DeepJsonAndInvalidUtf8AreRefusedAndNothingIsPublished) {
  const std::string deep = std::string(150'000, '[') + std::string(150'000, ']');
  auto res = post(deep);
  ASSERT_TRUE(res.ok()) << res.error_message << read_file(log_);
  EXPECT_EQ(res.response.status, 400);
  EXPECT_EQ(get("/healthz"), 200) << "ingress must survive a deep body";

  std::string bad_utf8 = event(62515, 40);
  bad_utf8.replace(bad_utf8.find("CRM_UI"), 6, "\xff\xfe");
  EXPECT_EQ(post("[" + bad_utf8 + "]").response.status, 400);
  std::string lone_surrogate = event(62515, 41);
  lone_surrogate.replace(lone_surrogate.find("CRM_UI"), 6, "\\udc00");
  EXPECT_EQ(post("[" + lone_surrogate + "]").response.status, 400);

  // Then one good request: once it is acknowledged, it is all the topic holds.
  ASSERT_EQ(post("[" + event(62515, 42) + "]").response.status, 204);
  std::vector<int64_t> objects;
  for (const auto& r : records()) {
    for (const auto& e : events_of(r)) objects.push_back(e.object_id());
  }
  EXPECT_EQ(objects, std::vector<int64_t>{42});
  // The 400s are logged with their reason, not the body.
  const std::string log = read_file(log_);
  EXPECT_NE(log.find("json_too_deep"), std::string::npos) << log;
  EXPECT_NE(log.find("json_encoding"), std::string::npos) << log;
}

}  // namespace
