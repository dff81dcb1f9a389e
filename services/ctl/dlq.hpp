// hbsync-ctl dlq ...: the parts shared by its commands (dlq_commands.cpp):
// reading dead letters (dlq_letters.cpp), printing them (dlq_format.cpp) and
// replaying them (dlq_replay.cpp).
//
// A dead letter's id is its own position in the dlq topic,
// "<partition>:<offset>": unique and stable for as long as Kafka keeps it.
// DeadLetter.dead_letter_id (where the failed message was: topic, partition,
// offset) is shown as its origin.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ctl.hpp"
#include "hbsync/service/dlq_keys.hpp"
#include "hbsync/service/dlq_replay.hpp"
#include "hbsync/v1/events.pb.h"

namespace hbsync::ctl::dlq {

// The replay marks' Redis key and the dlq schema header (dlq_keys.hpp).
using service::dlq::kDeadLetterSchema;
using service::dlq::kReplayedKey;
using service::dlq::kSchemaHeader;

struct Position {
  int32_t partition = -1;
  int64_t offset = -1;
  std::string id() const { return std::to_string(partition) + ":" + std::to_string(offset); }
  bool operator<(const Position& o) const {
    return partition != o.partition ? partition < o.partition : offset < o.offset;
  }
};

// Throws UsageError unless `text` is "<partition>:<offset>".
Position parse_id(const std::string& text);

struct Letter {
  Position at;
  bool parsed = false;  // false: the dlq message is not a DeadLetter
  v1::DeadLetter dl;
  int64_t dlq_timestamp_ms = -1;
  std::optional<int64_t> replayed_at_ms;

  int64_t sort_time() const {
    return parsed && dl.failed_at_ms() > 0 ? dl.failed_at_ms() : dlq_timestamp_ms;
  }
};

// The message type of a source topic's payload; empty when hbsync-ctl does
// not know it (then it neither decodes nor replays the payload).
using service::dlq::schema_of;

// Every dead letter on the topic, oldest failure first, with its replay state.
std::vector<Letter> read_letters(kafka::TopicReader& reader, const std::string& topic,
                                 redis::Client& redis);

// The dead letter at `at`, or nullopt when the dlq topic has no message there.
std::optional<Letter> read_letter(kafka::TopicReader& reader, const std::string& topic,
                                  redis::Client& redis, const Position& at);

// --tenant, checked; throws UsageError when it is not a tenant id.
std::optional<std::string> tenant_option(const Args& args);

struct Payload {
  std::string schema;  // empty: unknown source topic
  std::optional<rapidjson::Document> json;
  std::string problem;  // why json is empty
};

// The dead letter's payload as JSON, sealed fields masked.
Payload decode(const kafka::Topics& topics, const v1::DeadLetter& dl);

std::string state_text(const Letter& l);

// The table `dlq list` prints (header row first), and its one-line JSON.
std::string list_table(const std::vector<Letter>& letters);
std::string list_json(const std::vector<Letter>& letters);
// What `dlq show` prints, as text or as indented JSON.
std::string show_text(const Letter& l, const Payload& payload);
std::string show_json(const Letter& l, const Payload& payload);

// dlq replay: exit code.
int replay(const Args& args);

}  // namespace hbsync::ctl::dlq
