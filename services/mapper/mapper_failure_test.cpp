// hbsync-mapper when things fail: deleted or unknown records, unknown tenants,
// HubSpot errors dead-lettered with a reason, Redis refusing writes.
#include <regex>

#include "hbsync/history/history.hpp"
#include "mapper_test_support.hpp"

namespace hbsync::mapper::test {
namespace {

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
  // A known tenant's failure is in its history; a stranger has none.
  hbsync::history::History history(*redis_);
  bool recorded = false;
  for (const auto& e : history.latest(kPortal, 100)) {
    recorded |= e.action == "failed" && e.deal_id == std::stoll(deal) &&
                e.reason_code == "hubspot_server" && !e.dead_letter.empty();
  }
  EXPECT_TRUE(recorded);
  EXPECT_TRUE(history.latest("4242", 10).empty());
}

// An event of a batch that keeps failing is retried, then dead-lettered by
// itself; the events after it are handled once HubSpot answers again.
TEST_F(MapperFailureTest, ABatchEventThatKeepsFailingIsDeadLetteredAloneTheRestGoesOn) {
  const std::string failing = create(
      "deals", R"({"properties":{"dealname":"A","pipeline":"default","dealstage":"closedwon"}})");
  const std::string later = create(
      "deals", R"({"properties":{"dealname":"B","pipeline":"default","dealstage":"closedwon"}})");
  // Two 503s: the first event's two attempts (one HubSpot call each).
  hubspot_->control("POST", "/_sim/faults", R"({"count":2,"status":503})");
  const auto a = event("deal.creation", std::stoll(failing));
  const auto b = event("deal.creation", std::stoll(later));
  produce_batch({a, b});
  auto commands = consume_commands(1, 30s);
  ASSERT_EQ(commands.size(), 1u) << read_file(log_);
  EXPECT_EQ(commands[0].key, kPortal + ":deal:" + later);
  ASSERT_TRUE(commands[0].command.has_record_skip());
  EXPECT_EQ(commands[0].command.record_skip().reason_code(), "no_company");
  auto dlq = consume_raw("sync.dlq", 1, 10s);
  ASSERT_EQ(dlq.size(), 1u) << read_file(log_);
  hbsync::v1::DeadLetter dl;
  ASSERT_TRUE(dl.ParseFromString(dlq[0].second));
  EXPECT_EQ(dl.reason_code(), "hubspot_server");
  EXPECT_EQ(dl.attempts(), 2);
  EXPECT_EQ(dl.payload(), a.SerializeAsString());
  EXPECT_EQ(dlq[0].first, kPortal + ":deal:" + failing);
  // The tenant sees the failure in its history, naming the dead letter the
  // console's retry replays; the handled event is no failure.
  hbsync::history::History history(*redis_);
  std::vector<hbsync::history::Entry> failures;
  for (const auto& e : history.latest(kPortal, 100)) {
    if (e.action == "failed") failures.push_back(e);
  }
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0].deal_id, std::stoll(failing));
  EXPECT_EQ(failures[0].direction, "hubspot_to_board");
  EXPECT_EQ(failures[0].reason_code, "hubspot_server");
  EXPECT_EQ(failures[0].attempts, 2);
  EXPECT_TRUE(std::regex_match(failures[0].dead_letter, std::regex("[0-9]+:[0-9]+")))
      << failures[0].dead_letter;
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
}  // namespace hbsync::mapper::test
