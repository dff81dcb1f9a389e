// Dead letters (SPEC section 3): a consumed message that could not be applied
// after the last attempt, or failed permanently, goes to sync.dlq as a
// hbsync.v1.DeadLetter carrying the original key and payload (replayable as
// is with `hbsync-ctl dlq replay`) and a reason without personal data.
// Shared by every service that consumes.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "hbsync/kafka/consumer.hpp"
#include "hbsync/kafka/producer.hpp"
#include "hbsync/service/dlq_keys.hpp"

namespace hbsync::service {

struct DeadLetterReason {
  std::string_view tenant_id{};
  std::string_view code{};     // stable reason code, e.g. "board_validation"
  std::string_view message{};  // ids and codes only
};

// Publishes `message` to `dlq_topic` and waits for Kafka's acknowledgement;
// the dead letter's id there ("<partition>:<offset>", as `hbsync-ctl dlq`
// names it and the history records it). nullopt (logged) when Kafka did not
// take it: the caller must not commit the message then.
std::optional<std::string> publish_dead_letter(
    kafka::Producer& producer, const std::string& dlq_topic, const kafka::Message& message,
    const DeadLetterReason& reason,
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

}  // namespace hbsync::service
