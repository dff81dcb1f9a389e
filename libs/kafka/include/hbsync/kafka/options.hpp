// Kafka settings shared by producers and consumers: topic names and the
// connection to the cluster, read from HBSYNC_* variables.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "hbsync/config/config.hpp"

namespace hbsync::kafka {

// Carries the correlation id of the request or event that caused a message,
// so logs of every service along the pipeline can be joined.
inline constexpr std::string_view kCorrelationHeader = "hbsync-correlation-id";
// Set by `hbsync-ctl dlq replay` (value: the dead letter's id): the message is
// an operator's replay of a dead letter.
inline constexpr std::string_view kReplayHeader = "hbsync-replay";

// Topic names are configuration (a real cluster may prefix them per
// environment); the defaults are what the dev broker creates.
struct Topics {
  std::string hubspot_events;  // HBSYNC_TOPIC_HUBSPOT_EVENTS, default hubspot.events
  std::string board_changes;   // HBSYNC_TOPIC_BOARD_CHANGES, default board.changes
  std::string sync_commands;   // HBSYNC_TOPIC_SYNC_COMMANDS, default sync.commands
  std::string sync_requests;   // HBSYNC_TOPIC_SYNC_REQUESTS, default sync.requests
  std::string sync_dlq;        // HBSYNC_TOPIC_SYNC_DLQ, default sync.dlq

  static Topics load(config::Loader& loader);
  std::vector<std::string> all() const;
};

struct ClientOptions {
  std::string brokers = "127.0.0.1:9092";  // HBSYNC_KAFKA_BROKERS (bootstrap.servers)
  std::string client_id;                   // client.id, e.g. "hbsync-ingress"
  // Further librdkafka properties (security.protocol, sasl.*, ssl.*, tuning),
  // from HBSYNC_KAFKA_PROPERTIES "key=value,key=value". They are applied
  // after this library's defaults but cannot weaken its delivery guarantees
  // (acks, idempotence, manual offset commits); values are never logged.
  std::map<std::string, std::string> extra;

  // Throws std::invalid_argument when HBSYNC_KAFKA_PROPERTIES has an item
  // without '=' (the message names the item's position, not its value).
  static ClientOptions load(config::Loader& loader, std::string client_id);
};

}  // namespace hbsync::kafka
