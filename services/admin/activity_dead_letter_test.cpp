// POST /api/v1/history/{id}/retry of an entry that names its dead letter
// (docs/admin-api.yaml): the dead letter on sync.dlq is replayed as
// `hbsync-ctl dlq replay <id>` replays it and marked replayed; other
// tenants' letters, letters replayed already and letters gone are refused.
#include "activity_test_support.hpp"
#include "hbsync/service/dlq_replay.hpp"
#include "hbsync/service/hubspot_events.hpp"
#include "hbsync/service/replay.hpp"

namespace hbsync::admin::activity::test {
namespace {

class DeadLetterRetry : public ActivityApi {
 protected:
  // A dead letter of `command` (from sync.commands) on sync.dlq; its id.
  static std::string dead_letter(const v1::SyncCommand& command, const std::string& key) {
    v1::DeadLetter dl;
    dl.set_source_topic(topics().sync_commands);
    dl.set_key(key);
    dl.set_payload(command.SerializeAsString());
    dl.set_reason_code("hubspot_refused");
    dl.set_tenant_id(command.tenant_id());
    kafka::OutgoingMessage m{.topic = topics().sync_dlq,
                             .key = key,
                             .value = dl.SerializeAsString(),
                             .headers = {{service::dlq::kSchemaHeader, "hbsync.v1.DeadLetter"}},
                             .correlation_id = {}};
    const auto sent = stack().services().producer.produce_sync(std::move(m));
    EXPECT_TRUE(sent.ok) << sent.error;
    return std::to_string(sent.partition) + ":" + std::to_string(sent.offset);
  }

  static v1::SyncCommand deal_update(const std::string& tenant, int64_t deal) {
    v1::SyncCommand c;
    c.set_tenant_id(tenant);
    c.set_command_id("v1:" + tenant + ":update_deal:" + std::to_string(deal) + ":" +
                     std::to_string(now_ms()));
    c.mutable_update_deal()->set_deal_id(deal);
    c.mutable_update_deal()->set_project_id(deal + 1);
    c.mutable_update_deal()->set_stage_id("closedwon");
    return c;
  }

  static std::string failed(const std::string& tenant, const v1::SyncCommand& c,
                            const std::string& letter) {
    return record(tenant, {.direction = "board_to_hubspot",
                           .action = "failed",
                           .deal_id = c.update_deal().deal_id(),
                           .project_id = c.update_deal().project_id(),
                           .reason_code = "hubspot_refused",
                           .attempts = 1,
                           .command_id = c.command_id(),
                           .dead_letter = letter});
  }

  static std::string request_id(const ClientResponse& r) {
    const auto d = json(r);
    return d.IsObject() && d.HasMember("request_id") ? d["request_id"].GetString() : "";
  }
};

TEST_F(DeadLetterRetry, ABoardToHubSpotUpdateIsReplayedAsSentAndMarkedReplayed) {
  const std::string t = stack().make_tenant();
  const v1::SyncCommand command = deal_update(t, 700);
  const std::string key = t + ":deal:700";
  const std::string letter = dead_letter(command, key);
  const std::string id = failed(t, command, letter);
  const Browser b = stack().sign_in(t);

  const auto page = get(b, "/api/v1/history");
  expect_contract("GET", "/api/v1/history", page);
  const auto d = json(page);
  EXPECT_EQ(d["entries"][0]["dead_letter"].GetString(), letter);
  EXPECT_TRUE(d["entries"][0]["retryable"].GetBool());

  const auto r = post(b, "/api/v1/history/" + id + "/retry");
  expect_contract("POST", "/api/v1/history/{id}/retry", r);
  ASSERT_EQ(r.status, 202) << r.body;
  // The command as it was, on its own topic, with hbsync-ctl's replay header.
  const auto sent = records(topics().sync_commands, key);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].value, command.SerializeAsString());
  EXPECT_EQ(sent[0].header(kafka::kReplayHeader).value_or(""), letter);
  EXPECT_EQ(sent[0].header(service::dlq::kSchemaHeader).value_or(""), "hbsync.v1.SyncCommand");
  EXPECT_EQ(sent[0].header(kafka::kCorrelationHeader).value_or(""), request_id(r));
  // Marked where `hbsync-ctl dlq list` reads it; no sync-now request instead.
  EXPECT_TRUE(service::dlq::replayed_at(stack().services().redis, letter).has_value());
  EXPECT_TRUE(records(topics().sync_requests, t).empty());
}

TEST_F(DeadLetterRetry, ADealCommandIsDecidedAfreshLikeDlqReplay) {
  const std::string t = stack().make_tenant();
  v1::SyncCommand command;
  command.set_tenant_id(t);
  command.set_command_id("v1:" + t + ":sync_deal:31:x");
  command.mutable_sync_deal()->set_deal_id(31);
  const std::string letter = dead_letter(command, t + ":deal:31");
  const std::string id = record(t, {.direction = "hubspot_to_board",
                                    .action = "failed",
                                    .deal_id = 31,
                                    .reason_code = "board_validation",
                                    .command_id = command.command_id(),
                                    .dead_letter = letter});
  const Browser b = stack().sign_in(t);
  const auto r = post(b, "/api/v1/history/" + id + "/retry");
  ASSERT_EQ(r.status, 202) << r.body;
  const auto sent = records(topics().hubspot_events, service::hubspot_events_key(std::stoll(t)));
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].header(kafka::kReplayHeader).value_or(""), letter);
  v1::HubSpotEvent event;
  ASSERT_TRUE(event.ParseFromString(sent[0].value));
  EXPECT_EQ(event.subscription_type(), service::kReplaySubscriptionType);
  EXPECT_EQ(event.object_id(), 31);
  EXPECT_TRUE(records(topics().sync_commands, t + ":deal:31").empty());
}

TEST_F(DeadLetterRetry, RefusedWhenReplayedAlreadyGoneOrAnotherTenants) {
  const std::string t = stack().make_tenant();
  const std::string other = stack().make_tenant();
  const Browser b = stack().sign_in(t);
  auto refused = [&](const std::string& entry, int status, const std::string& code) {
    const auto r = post(b, "/api/v1/history/" + entry + "/retry");
    expect_contract("POST", "/api/v1/history/{id}/retry", r);
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(error_code(r), code);
  };

  // An operator replayed it with hbsync-ctl first.
  const v1::SyncCommand replayed = deal_update(t, 801);
  const std::string letter = dead_letter(replayed, t + ":deal:801");
  service::dlq::mark_replayed(stack().services().redis, letter, now_ms());
  refused(failed(t, replayed, letter), 409, "already_retried");
  // No message at that position.
  const v1::SyncCommand gone = deal_update(t, 802);
  refused(failed(t, gone, "0:999999"), 409, "dead_letter_gone");
  // An entry of this tenant naming another tenant's dead letter.
  const v1::SyncCommand foreign = deal_update(other, 803);
  refused(failed(t, foreign, dead_letter(foreign, other + ":deal:803")), 404, "not_found");

  // Nothing was sent for any of them, and every entry can still be retried.
  for (const int64_t deal : {801, 802, 803}) {
    const std::string owner = deal == 803 ? other : t;
    EXPECT_TRUE(records(topics().sync_commands, owner + ":deal:" + std::to_string(deal)).empty());
  }
  const auto page = json(get(b, "/api/v1/history?action=failed"));
  for (const auto& e : page["entries"].GetArray()) EXPECT_FALSE(e.HasMember("retried_at_ms"));
}

}  // namespace
}  // namespace hbsync::admin::activity::test
