#include "hbsync/service/dlq_replay.hpp"

#include "hbsync/service/dlq_keys.hpp"
#include "hbsync/service/hubspot_events.hpp"
#include "hbsync/service/replay.hpp"
#include "hbsync/tenant/settings.hpp"

namespace hbsync::service::dlq {

std::string schema_of(const kafka::Topics& topics, const std::string& source_topic) {
  if (source_topic == topics.sync_commands) return v1::SyncCommand::descriptor()->full_name();
  if (source_topic == topics.hubspot_events) return v1::HubSpotEvent::descriptor()->full_name();
  return {};
}

std::optional<std::pair<int64_t, int64_t>> deal_of_command(const v1::DeadLetter& dl) {
  v1::SyncCommand command;
  if (!command.ParseFromString(dl.payload()) || !tenant::is_valid_tenant_id(command.tenant_id())) {
    return std::nullopt;
  }
  int64_t deal_id = 0;
  if (command.has_sync_deal()) deal_id = command.sync_deal().deal_id();
  if (command.has_record_skip() && command.record_skip().object_type() == "deal") {
    deal_id = command.record_skip().object_id();
  }
  if (deal_id <= 0) return std::nullopt;
  return std::pair{std::stoll(command.tenant_id()), deal_id};
}

std::optional<Replay> plan_replay(const kafka::Topics& topics, const v1::DeadLetter& dl,
                                  const std::string& letter_id, bool as_sent, int64_t now_ms) {
  std::string schema = schema_of(topics, dl.source_topic());
  if (schema.empty()) return std::nullopt;
  Replay r;
  kafka::OutgoingMessage& out = r.message;
  out.topic = dl.source_topic();
  out.key = dl.key();
  out.value = dl.payload();
  // A dead letter of one event carries its event key: on hubspot.events
  // every message is keyed by its portal (its tenant's partition).
  if (out.topic == topics.hubspot_events) out.key = hubspot_events_key(out.key);
  if (!as_sent && dl.source_topic() == topics.sync_commands) {
    if (auto deal = deal_of_command(dl)) {
      schema = schema_of(topics, topics.hubspot_events);
      out.topic = topics.hubspot_events;
      out.key = hubspot_events_key(deal->first);
      out.value = deal_replay_event(deal->first, deal->second, now_ms).SerializeAsString();
      r.fresh_deal_id = deal->second;
    }
  }
  out.headers.emplace_back(kSchemaHeader, std::move(schema));
  out.headers.emplace_back(kafka::kReplayHeader, letter_id);
  out.correlation_id = dl.correlation_id();
  return r;
}

std::optional<int64_t> replayed_at(redis::Client& redis, const std::string& letter_id) {
  const redis::Reply reply = redis.command({"HGET", kReplayedKey, letter_id});
  if (!reply.is_string()) return std::nullopt;
  try {
    return std::stoll(reply.str);
  } catch (const std::exception&) {
    return 0;
  }
}

void mark_replayed(redis::Client& redis, const std::string& letter_id, int64_t now_ms) {
  redis.command({"HSET", kReplayedKey, letter_id, std::to_string(now_ms)});
}

}  // namespace hbsync::service::dlq
