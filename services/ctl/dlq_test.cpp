// hbsync-ctl dlq as operators run it: the real binary against a private dev
// broker and redis-server. Dead letters are produced straight to sync.dlq the
// way the services write them; replays are read back from their source topic.
#include <unistd.h>

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "hbsync/kafka/producer.hpp"
#include "hbsync/kafka/reader.hpp"
#include "hbsync/redis/redis.hpp"
#include "hbsync/testing/dev_broker.hpp"
#include "hbsync/testing/process.hpp"
#include "hbsync/testing/redis_server.hpp"
#include "hbsync/v1/events.pb.h"
#include "test_support.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using hbsync::ctl::test::Result;

constexpr int64_t kFailedAt = 1714532645000;  // 2024-05-01T03:04:05Z
const std::string kSealed = "\x01\x02sealed-deal-name-ciphertext";

struct Produced {
  std::string id;  // "<partition>:<offset>" in sync.dlq
  hbsync::v1::DeadLetter dl;
};

class DlqTest : public ::testing::Test {
 protected:
  DlqTest()
      : broker_(1, 3),
        dir_(fs::temp_directory_path() / ("ctl_dlq_test." + std::to_string(getpid()))) {
    fs::create_directories(dir_);
    env_["HBSYNC_REDIS_URL"] = redis_.url();
    env_["HBSYNC_REDIS_CONNECT_TIMEOUT"] = "500ms";
    env_["HBSYNC_KAFKA_BROKERS"] = broker_.bootstrap();
    env_["HBSYNC_KAFKA_READ_TIMEOUT"] = "5s";
    env_["HBSYNC_KAFKA_DELIVERY_TIMEOUT"] = "10s";
  }
  ~DlqTest() override { fs::remove_all(dir_); }

  Result ctl(const std::vector<std::string>& args) {
    return hbsync::ctl::test::run_ctl(args, env_, dir_);
  }

  hbsync::kafka::ClientOptions client() const {
    hbsync::kafka::ClientOptions o;
    o.brokers = broker_.bootstrap();
    o.client_id = "ctl-dlq-test";
    return o;
  }

  // Writes a DeadLetter to sync.dlq as a service does (original key,
  // hbsync-schema header) and returns where it landed.
  Produced dead_letter(const std::string& source_topic, const std::string& key,
                       const std::string& payload, const std::string& tenant,
                       const std::string& reason_code, int64_t failed_at,
                       const std::string& correlation, const std::string& origin) {
    Produced p;
    p.dl.set_source_topic(source_topic);
    p.dl.set_key(key);
    p.dl.set_payload(payload);
    p.dl.set_reason_code(reason_code);
    p.dl.set_reason(reason_code + " for " + key);
    p.dl.set_attempts(5);
    p.dl.set_failed_at_ms(failed_at);
    p.dl.set_tenant_id(tenant);
    p.dl.set_correlation_id(correlation);
    p.dl.set_dead_letter_id(origin);
    hbsync::kafka::ProducerOptions o;
    o.client = client();
    o.delivery_timeout = 10s;
    hbsync::kafka::Producer producer(o);
    hbsync::kafka::OutgoingMessage m;
    m.topic = "sync.dlq";
    m.key = key;
    m.value = p.dl.SerializeAsString();
    m.headers = {{"hbsync-schema", "hbsync.v1.DeadLetter"}};
    auto r = producer.produce_sync(std::move(m));
    EXPECT_TRUE(r.ok) << r.error;
    p.id = std::to_string(r.partition) + ":" + std::to_string(r.offset);
    return p;
  }

  std::vector<hbsync::kafka::Record> read(const std::string& topic) {
    hbsync::kafka::ReaderOptions o;
    o.client = client();
    o.timeout = 5s;
    hbsync::kafka::TopicReader reader(o);
    std::vector<hbsync::kafka::Record> records;
    reader.read_all(topic, [&](const hbsync::kafka::Record& r) { records.push_back(r); });
    return records;
  }

  std::string replayed_field(const std::string& id) {
    hbsync::redis::Options o;
    o.url = redis_.url();
    hbsync::redis::Client redis(o);
    return redis.command({"HGET", "hbsync:dlq:replayed", id}).str;
  }

  hbsync::testing::RedisServer redis_;
  hbsync::testing::DevBroker broker_;
  fs::path dir_;
  std::map<std::string, std::string> env_;
};

std::string command_payload(int64_t deal_id, bool sealed) {
  hbsync::v1::SyncCommand command;
  command.set_tenant_id("12345678");
  command.set_command_id("cmd-" + std::to_string(deal_id));
  command.set_created_at_ms(kFailedAt - 60000);
  command.set_attempt(1);
  auto* deal = command.mutable_sync_deal();
  deal->set_deal_id(deal_id);
  deal->set_company_id(7);
  deal->set_order_status(2);
  deal->set_stage_id("closedwon");
  if (sealed) deal->set_sealed_deal_name(kSealed);
  return command.SerializeAsString();
}

std::string event_payload() {
  hbsync::v1::HubSpotEvent event;
  event.set_portal_id(12345678);
  event.set_event_id(991);
  event.set_subscription_type("deal.propertyChange");
  event.set_object_id(45);
  event.set_property_name("dealstage");
  event.set_property_value("closedwon");
  return event.SerializeAsString();
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// The line of `list` output for dead letter `id`, or "".
std::string line_of(const std::string& list_out, const std::string& id) {
  for (const auto& line : lines(list_out)) {
    if (line.rfind(id + " ", 0) == 0) return line;
  }
  return {};
}

TEST_F(DlqTest, ListShowReplay) {
  Produced a =
      dead_letter("sync.commands", "12345678:deal:42", command_payload(42, true), "12345678",
                  "board_validation", kFailedAt, "corr-a", "sync.commands:2:17");
  Produced b =
      dead_letter("sync.commands", "87654321:deal:43", command_payload(43, false), "87654321",
                  "board_unavailable", kFailedAt + 1000, "corr-b", "sync.commands:0:3");
  Produced c = dead_letter("hubspot.events", "12345678:deal:45", event_payload(), "12345678",
                           "hubspot_not_found", kFailedAt + 2000, "corr-c", "hubspot.events:1:8");

  // list: one line each, oldest failure first, all pending.
  Result listed = ctl({"dlq", "list"});
  ASSERT_EQ(listed.code, 0) << listed.err;
  auto rows = lines(listed.out);
  ASSERT_EQ(rows.size(), 4u) << listed.out;
  EXPECT_EQ(rows[0].rfind("ID", 0), 0u) << rows[0];
  EXPECT_EQ(line_of(listed.out, a.id), rows[1]);
  EXPECT_EQ(line_of(listed.out, c.id), rows[3]);
  for (const char* s : {"12345678", "sync.commands", "board_validation", " 5 ",
                        "2024-05-01T03:04:05Z", "pending", "sync.commands:2:17"}) {
    EXPECT_NE(rows[1].find(s), std::string::npos) << s << " in " << rows[1];
  }
  EXPECT_NE(rows[2].find("board_unavailable"), std::string::npos) << rows[2];
  EXPECT_NE(rows[3].find("hubspot.events"), std::string::npos) << rows[3];

  Result tenant = ctl({"dlq", "list", "--tenant", "87654321"});
  ASSERT_EQ(tenant.code, 0) << tenant.err;
  EXPECT_EQ(lines(tenant.out).size(), 2u) << tenant.out;
  EXPECT_NE(line_of(tenant.out, b.id), "") << tenant.out;

  Result json = ctl({"dlq", "list", "--json"});
  ASSERT_EQ(json.code, 0) << json.err;
  rapidjson::Document doc;
  doc.Parse(json.out.c_str());
  ASSERT_TRUE(doc.IsArray()) << json.out;
  ASSERT_EQ(doc.Size(), 3u);
  EXPECT_EQ(doc[0]["id"].GetString(), a.id);
  EXPECT_STREQ(doc[0]["origin"].GetString(), "sync.commands:2:17");
  EXPECT_STREQ(doc[0]["tenant_id"].GetString(), "12345678");
  EXPECT_STREQ(doc[0]["reason_code"].GetString(), "board_validation");
  EXPECT_EQ(doc[0]["attempts"].GetInt(), 5);
  EXPECT_STREQ(doc[0]["failed_at"].GetString(), "2024-05-01T03:04:05.000Z");
  EXPECT_STREQ(doc[0]["state"].GetString(), "pending");
  EXPECT_TRUE(doc[0]["replayed_at"].IsNull());

  // show: every field, the payload decoded, the sealed deal name never.
  Result shown = ctl({"dlq", "show", a.id});
  ASSERT_EQ(shown.code, 0) << shown.err;
  for (const char* s : {"sync.commands:2:17", "12345678:deal:42", "board_validation",
                        "board_validation for 12345678:deal:42", "corr-a", "pending",
                        "hbsync.v1.SyncCommand", "\"sync_deal\"", "\"deal_id\": \"42\"",
                        "\"stage_id\": \"closedwon\"", "\"sealed_deal_name\": \"(sealed)\""}) {
    EXPECT_NE(shown.out.find(s), std::string::npos) << s << " in " << shown.out;
  }
  EXPECT_EQ(shown.out.find("sealed-deal-name-ciphertext"), std::string::npos) << shown.out;

  Result shown_json = ctl({"dlq", "show", a.id, "--json"});
  ASSERT_EQ(shown_json.code, 0) << shown_json.err;
  doc.Parse(shown_json.out.c_str());
  ASSERT_TRUE(doc.IsObject()) << shown_json.out;
  EXPECT_STREQ(doc["payload_schema"].GetString(), "hbsync.v1.SyncCommand");
  EXPECT_STREQ(doc["payload"]["sync_deal"]["deal_id"].GetString(), "42");
  EXPECT_STREQ(doc["payload"]["sync_deal"]["sealed_deal_name"].GetString(), "(sealed)");
  EXPECT_STREQ(doc["key"].GetString(), "12345678:deal:42");
  EXPECT_STREQ(doc["correlation_id"].GetString(), "corr-a");

  Result event = ctl({"dlq", "show", c.id});
  ASSERT_EQ(event.code, 0) << event.err;
  EXPECT_NE(event.out.find("hbsync.v1.HubSpotEvent"), std::string::npos) << event.out;
  EXPECT_NE(event.out.find("\"subscription_type\": \"deal.propertyChange\""), std::string::npos)
      << event.out;

  // replay of a deal command: decided afresh by default (issue 8 C10). Not
  // the stale command: an event for the deal on hubspot.events, keyed by
  // its portal as ingress keys it, with the replay header the mapper passes on.
  Result replayed = ctl({"dlq", "replay", a.id});
  ASSERT_EQ(replayed.code, 0) << replayed.err;
  EXPECT_EQ(replayed.out.rfind("replayed " + a.id + " ", 0), 0u) << replayed.out;
  EXPECT_NE(replayed.out.find("as a fresh decision of deal 42 to hubspot.events"),
            std::string::npos)
      << replayed.out;
  EXPECT_EQ(read("sync.commands").size(), 0u);
  auto events = read("hubspot.events");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].key, "12345678") << "hubspot.events is keyed by portal";
  hbsync::v1::HubSpotEvent fresh;
  ASSERT_TRUE(fresh.ParseFromString(events[0].value));
  EXPECT_EQ(fresh.subscription_type(), "hbsync.replay");
  EXPECT_EQ(fresh.portal_id(), 12345678);
  EXPECT_EQ(fresh.object_id(), 42);
  EXPECT_GT(fresh.occurred_at_ms(), kFailedAt);
  EXPECT_EQ(events[0].header("hbsync-schema").value_or(""), "hbsync.v1.HubSpotEvent");
  EXPECT_EQ(events[0].header("hbsync-correlation-id").value_or(""), "corr-a");
  EXPECT_EQ(events[0].header("hbsync-replay").value_or(""), a.id);
  const std::string marked = replayed_field(a.id);
  ASSERT_FALSE(marked.empty());
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  EXPECT_LE(std::stoll(marked), now);
  EXPECT_GT(std::stoll(marked), now - 60000);

  Result after = ctl({"dlq", "list"});
  ASSERT_EQ(after.code, 0) << after.err;
  EXPECT_NE(line_of(after.out, a.id).find("replayed 20"), std::string::npos) << after.out;
  EXPECT_NE(line_of(after.out, b.id).find("pending"), std::string::npos) << after.out;

  // A second replay needs --force; --as-sent sends the stale payload itself:
  // the exact payload and key back on the source topic, with the schema,
  // correlation id and replay header.
  Result again = ctl({"dlq", "replay", a.id});
  EXPECT_EQ(again.code, 1);
  EXPECT_NE(again.err.find("--force"), std::string::npos) << again.err;
  EXPECT_EQ(read("hubspot.events").size(), 1u);
  Result forced = ctl({"dlq", "replay", a.id, "--force", "--as-sent"});
  EXPECT_EQ(forced.code, 0) << forced.err;
  auto commands = read("sync.commands");
  ASSERT_EQ(commands.size(), 1u);
  EXPECT_EQ(commands[0].key, a.dl.key());
  EXPECT_EQ(commands[0].value, a.dl.payload());
  EXPECT_EQ(commands[0].header("hbsync-schema").value_or(""), "hbsync.v1.SyncCommand");
  EXPECT_EQ(commands[0].header("hbsync-correlation-id").value_or(""), "corr-a");
  EXPECT_EQ(commands[0].header("hbsync-replay").value_or(""), a.id);
  EXPECT_EQ(forced.out.find("fresh"), std::string::npos) << forced.out;

  // --all lists what it would do and stops without --yes.
  Result unconfirmed = ctl({"dlq", "replay", "--all"});
  EXPECT_EQ(unconfirmed.code, 2);
  EXPECT_NE(line_of(unconfirmed.out, b.id), "") << unconfirmed.out;
  EXPECT_NE(line_of(unconfirmed.out, c.id), "") << unconfirmed.out;
  EXPECT_EQ(line_of(unconfirmed.out, a.id), "") << unconfirmed.out;
  EXPECT_NE(unconfirmed.err.find("--yes"), std::string::npos) << unconfirmed.err;
  EXPECT_EQ(read("sync.commands").size(), 1u);

  // --all --tenant replays that tenant's pending ones only (as sent here).
  Result all = ctl({"dlq", "replay", "--all", "--tenant", "87654321", "--as-sent", "--yes"});
  ASSERT_EQ(all.code, 0) << all.err;
  EXPECT_EQ(lines(all.out).size(), 1u) << all.out;
  commands = read("sync.commands");
  ASSERT_EQ(commands.size(), 2u);
  int found_b = 0;
  for (const auto& r : commands) found_b += r.key == b.dl.key() && r.value == b.dl.payload();
  EXPECT_EQ(found_b, 1);

  // An event goes back to hubspot.events as it was (events are re-read
  // anyway), keyed by its portal: its letter carries the event's key.
  Result rest = ctl({"dlq", "replay", "--all", "--yes"});
  ASSERT_EQ(rest.code, 0) << rest.err;
  events = read("hubspot.events");
  ASSERT_EQ(events.size(), 2u);
  int found_c = 0;
  for (const auto& r : events) {
    if (r.value != c.dl.payload()) continue;
    ++found_c;
    EXPECT_EQ(r.header("hbsync-schema").value_or(""), "hbsync.v1.HubSpotEvent");
    EXPECT_EQ(r.key, "12345678");
  }
  EXPECT_EQ(found_c, 1);
  Result nothing = ctl({"dlq", "replay", "--all", "--yes"});
  EXPECT_EQ(nothing.code, 0) << nothing.err;
  EXPECT_EQ(nothing.out, "");
  EXPECT_EQ(read("sync.commands").size(), 2u);
}

TEST_F(DlqTest, UnknownIdsAreExit3AndReplayNothing) {
  Produced a =
      dead_letter("sync.commands", "12345678:deal:42", command_payload(42, false), "12345678",
                  "board_validation", kFailedAt, "corr-a", "sync.commands:2:17");
  for (const std::string& id : {std::string("0:999"), std::string("7:0")}) {
    Result shown = ctl({"dlq", "show", id});
    EXPECT_EQ(shown.code, 3) << id << shown.err;
    EXPECT_NE(shown.err.find("not found"), std::string::npos) << shown.err;
  }
  Result replayed = ctl({"dlq", "replay", a.id, "0:999"});
  EXPECT_EQ(replayed.code, 3) << replayed.err;
  EXPECT_EQ(read("sync.commands").size(), 0u);
  EXPECT_EQ(replayed_field(a.id), "");
}

TEST_F(DlqTest, EmptyDlq) {
  Result listed = ctl({"dlq", "list"});
  EXPECT_EQ(listed.code, 0) << listed.err;
  EXPECT_EQ(listed.out, "");
  EXPECT_NE(listed.err.find("no dead letters"), std::string::npos) << listed.err;
  EXPECT_EQ(ctl({"dlq", "list", "--json"}).out, "[]\n");
}

TEST_F(DlqTest, BadUsageIsExit2) {
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"dlq"},
                                             {"dlq", "frobnicate"},
                                             {"dlq", "list", "extra"},
                                             {"dlq", "list", "--tenant", "abc"},
                                             {"dlq", "list", "--yes"},
                                             {"dlq", "show"},
                                             {"dlq", "show", "abc"},
                                             {"dlq", "show", "1:"},
                                             {"dlq", "show", "-1:2"},
                                             {"dlq", "show", "0:1", "0:2"},
                                             {"dlq", "show", "0:1", "--force"},
                                             {"dlq", "replay"},
                                             {"dlq", "replay", "0:1", "--all"},
                                             {"dlq", "replay", "--all", "--force"},
                                             {"dlq", "replay", "0:1", "--tenant", "12345678"},
                                             {"dlq", "replay", "0:1", "--json"}}) {
    Result r = ctl(args);
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    EXPECT_EQ(r.code, 2) << joined << r.err;
    EXPECT_NE(r.err.find("--help"), std::string::npos) << joined << r.err;
  }
  Result help = ctl({"dlq", "--help"});
  EXPECT_EQ(help.code, 0);
  for (const char* s :
       {"list", "show ID", "replay ID", "--all", "--force", "--yes", "--as-sent", "(sealed)"}) {
    EXPECT_NE(help.out.find(s), std::string::npos) << s;
  }
}

TEST_F(DlqTest, KafkaUnavailableIsExit4AndTenantCommandsNeedNoKafka) {
  env_["HBSYNC_KAFKA_BROKERS"] = "127.0.0.1:" + std::to_string(hbsync::testing::free_port());
  env_["HBSYNC_KAFKA_READ_TIMEOUT"] = "1s";
  const auto start = std::chrono::steady_clock::now();
  Result r = ctl({"dlq", "list"});
  EXPECT_EQ(r.code, 4) << r.err;
  EXPECT_NE(r.err.find("Kafka unavailable"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("HBSYNC_KAFKA_BROKERS"), std::string::npos) << r.err;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
  EXPECT_EQ(ctl({"dlq", "show", "0:0"}).code, 4);
  EXPECT_EQ(ctl({"dlq", "replay", "0:0"}).code, 4);

  // A bad Kafka variable stops dlq commands (naming it) but not the others.
  env_["HBSYNC_KAFKA_PROPERTIES"] = "not-a-pair";
  Result bad = ctl({"dlq", "list"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("HBSYNC_KAFKA_PROPERTIES"), std::string::npos) << bad.err;
  EXPECT_EQ(bad.err.find("not-a-pair"), std::string::npos) << bad.err;
  Result tenants = ctl({"tenant", "list"});
  EXPECT_EQ(tenants.code, 0) << tenants.err;
  EXPECT_EQ(ctl({"history", "12345678"}).code, 0);
}

TEST_F(DlqTest, RedisDownIsExit4) {
  Produced a =
      dead_letter("sync.commands", "12345678:deal:42", command_payload(42, false), "12345678",
                  "board_validation", kFailedAt, "corr-a", "sync.commands:2:17");
  redis_.stop();
  Result r = ctl({"dlq", "replay", a.id});
  EXPECT_EQ(r.code, 4) << r.err;
  EXPECT_NE(r.err.find("Redis unavailable"), std::string::npos) << r.err;
  // The replay state could not be checked, so nothing was replayed.
  EXPECT_EQ(read("sync.commands").size(), 0u);
}

}  // namespace
