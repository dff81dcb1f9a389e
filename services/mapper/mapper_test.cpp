// hbsync-mapper as a real process with hbsync-sim-hubspot, hbsync-sim-board,
// redis-server and the dev broker: HubSpotEvents in, SyncCommands out.
#include <regex>

#include "mapper_test_support.hpp"

namespace hbsync::mapper::test {
namespace {

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

  const auto created1 = event("deal.creation", std::stoll(deal1));
  produce(created1);
  auto first = consume_commands(1, 30s);
  ASSERT_EQ(first.size(), 1u) << read_file(log_);
  // The sync latency runs from the webhook's arrival at ingress.
  EXPECT_EQ(first[0].command.origin_at_ms(), created1.received_at_ms());
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

// A batch (what ingress publishes): its events in order, each as if alone;
// one that fails is dead-lettered by itself, replayable as a single event,
// and the others go on. Delivered again (as after a crash before the
// commit), it publishes no command the writer would not recognise as done.
TEST_F(MapperTest, BatchEventsInOrderABadOneDeadLetteredAloneARedeliveryNoNewCommand) {
  const std::string deal = create_synced_deal();
  const auto created = event("deal.creation", std::stoll(deal));
  auto stranger = event("deal.creation", 5);
  stranger.set_portal_id(4242);  // not a tenant: dead-lettered at once
  const auto deleted = event("deal.deletion", std::stoll(deal));
  produce_batch({created, stranger, deleted});

  auto commands = consume_commands(2, 30s);
  ASSERT_EQ(commands.size(), 2u) << read_file(log_);
  // One deal's commands in the order of its events (same key, one partition).
  EXPECT_EQ(commands[0].key, kPortal + ":deal:" + deal);
  EXPECT_TRUE(commands[0].command.has_sync_deal());
  EXPECT_EQ(commands[0].command.origin_at_ms(), created.received_at_ms());
  EXPECT_EQ(commands[1].key, kPortal + ":deal:" + deal);
  EXPECT_TRUE(commands[1].command.has_deactivate_deal());
  auto dlq = consume_raw("sync.dlq", 1, 10s);
  ASSERT_EQ(dlq.size(), 1u);
  EXPECT_EQ(dlq[0].first, "4242:deal:5") << "the event's own key: replayed where it belongs";
  hbsync::v1::DeadLetter dl;
  ASSERT_TRUE(dl.ParseFromString(dlq[0].second));
  EXPECT_EQ(dl.reason_code(), "unknown_tenant");
  EXPECT_EQ(dl.payload(), stranger.SerializeAsString()) << "the single event, not the batch";
  // Its origin names the batch and the event in it (the second).
  EXPECT_TRUE(std::regex_match(dl.dead_letter_id(), std::regex("hubspot\\.events:[0-9]+:[0-9]+:1")))
      << dl.dead_letter_id();

  std::set<std::string> ids;
  for (const auto& g : commands) ids.insert(g.command.command_id());
  produce_batch({created, stranger, deleted});
  auto again = consume_commands(4, 30s);
  ASSERT_GE(again.size(), 2u);
  for (const auto& g : again) {
    EXPECT_TRUE(ids.count(g.command.command_id()))
        << "a command the writer has not seen: " << g.command.ShortDebugString();
  }
  EXPECT_EQ(consume_raw("sync.dlq", 2, 10s).size(), 2u) << "the stranger's event again";
}

// A batch started over after the mapper died (offset not committed) does not
// dead-letter again an event it dead-lettered before (the dead letter
// ledger): one dead letter, and the event that was still failing is synced.
TEST_F(MapperTest, ABatchStartedOverAfterACrashDoesNotDeadLetterAnEventTwice) {
  const std::string deal = create_synced_deal();
  auto stranger = event("deal.creation", 5);
  stranger.set_portal_id(4242);  // not a tenant: dead-lettered at once
  const auto created = event("deal.creation", std::stoll(deal));
  hubspot_->control("POST", "/_sim/faults", R"({"count":100000,"status":503})");
  produce_batch({stranger, created});
  // The stranger is dead-lettered; the deal's event keeps failing behind it.
  ASSERT_EQ(consume_raw("sync.dlq", 0, 30s).size(), 1u) << read_file(log_);
  // HubSpot answers 503 to everything: the batch cannot be done, its offset
  // is not committed.
  mapper_.signal(SIGKILL);
  mapper_.wait(10s);
  hubspot_->control("DELETE", "/_sim/faults");
  start_mapper();

  auto commands = consume_commands(1, 90s);
  ASSERT_EQ(commands.size(), 1u) << read_file(log_);
  EXPECT_TRUE(commands[0].command.has_sync_deal());
  auto dlq = consume_raw("sync.dlq", 1, 10s);
  EXPECT_EQ(dlq.size(), 1u) << "the stranger's event was dead-lettered again";
  EXPECT_NE(read_file(log_).find("dead-lettered before; not again"), std::string::npos);
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

}  // namespace
}  // namespace hbsync::mapper::test
