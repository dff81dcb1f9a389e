// A consumed message that cannot be decoded as its topic's schema (not the
// protobuf, invalid UTF-8 in a string field, a required id missing) is never
// dropped silently: it goes to sync.dlq with a reason code, and counts in
// hbsync_unreadable_messages_total{topic, reason_code}. Every consumer uses
// this for its decode failures.
#pragma once

#include <string>
#include <string_view>

#include "hbsync/kafka/consumer.hpp"
#include "hbsync/kafka/producer.hpp"
#include "hbsync/service/dead_letter.hpp"

namespace hbsync::service {

struct Unreadable {
  std::string_view code;     // e.g. "unreadable_event"
  std::string_view message;  // e.g. "not a hbsync.v1.HubSpotEvent"
};

// Logs, dead-letters and counts `message`. done once Kafka acknowledged the
// dead letter; retry (nothing committed) when it did not. With a `ledger`,
// done at once for a message dead-lettered before (dead_letter.hpp), and
// each dead letter noted in it.
kafka::HandlerResult dead_letter_unreadable(kafka::Producer& producer, const std::string& dlq_topic,
                                            const kafka::Message& message, Unreadable why,
                                            const DeadLetterLedger* ledger = nullptr);

}  // namespace hbsync::service
