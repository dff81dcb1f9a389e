// Replaying one dead letter, shared by `hbsync-ctl dlq replay` (an operator)
// and the console's retry (a tenant's admin, services/admin): what the
// replay sends, and the mark in Redis (dlq_keys.hpp kReplayedKey) that both
// read back.
//
// A dead-lettered deal command (SyncDealToProject, or a RecordSkip of a
// deal) is by default not sent again as it was: its decision was made from
// HubSpot's state at the time, and HubSpot may have changed since in ways
// that do not move the deal's updatedAt (a company associated, a company's
// name filled in). Instead a synthetic event for the deal
// (replay.hpp deal_replay_event) goes to the events topic, so the mapper
// re-reads the deal and decides afresh. Any other dead letter (a board ->
// HubSpot deal update, a company command, an event) goes back to its source
// topic with its original key and payload. Every replay carries the
// `hbsync-replay` header (the dead letter's id), so the writer applies a
// command again even when that exact command failed for good.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "hbsync/kafka/options.hpp"
#include "hbsync/kafka/producer.hpp"
#include "hbsync/redis/redis.hpp"
#include "hbsync/v1/events.pb.h"

namespace hbsync::service::dlq {

// The message type of a source topic's payload; empty when replays do not
// know it (then nothing decodes or replays the payload).
std::string schema_of(const kafka::Topics& topics, const std::string& source_topic);

struct Replay {
  kafka::OutgoingMessage message;
  int64_t fresh_deal_id = 0;  // > 0: a fresh decision of this deal
};

// The replay of dead letter `dl`, whose id in the dlq topic is `letter_id`
// ("<partition>:<offset>"); `as_sent` sends even a deal command as it was.
// nullopt when its source topic is not one replays know.
std::optional<Replay> plan_replay(const kafka::Topics& topics, const v1::DeadLetter& dl,
                                  const std::string& letter_id, bool as_sent, int64_t now_ms);

// The portal and deal a dead-lettered deal command concerns, or nullopt.
std::optional<std::pair<int64_t, int64_t>> deal_of_command(const v1::DeadLetter& dl);

// When dead letter `letter_id` was replayed (0: replayed, time unknown), or
// nullopt. Throws redis::Error.
std::optional<int64_t> replayed_at(redis::Client& redis, const std::string& letter_id);

// Marks dead letter `letter_id` replayed at `now_ms`. Throws redis::Error.
void mark_replayed(redis::Client& redis, const std::string& letter_id, int64_t now_ms);

}  // namespace hbsync::service::dlq
