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
#include "hbsync/redis/redis.hpp"
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

// Which consumed messages (or parts of one, kafka::Message::part) were
// dead-lettered, so one delivered again before its offset was committed (a
// crash, a rebalance, a batch started over from its first event) is not
// dead-lettered a second time. Redis string
// hbsync:dlq:sent:<topic>:<partition>:<offset>:<timestamp ms>[:<part>] -> the
// dead letter's id, kept for `ttl`; the message's timestamp tells it from
// another at the same offset of a topic deleted and created again. Noted once
// the dead letter and the service's bookkeeping of it (history, claim) are
// done. Never throws: a Redis failure is logged and reads as "not before"
// (the dead letter is published again rather than held back: nothing lost).
// Copyable; `redis` must outlive every copy.
class DeadLetterLedger {
 public:
  static constexpr std::chrono::seconds kDefaultTtl{7 * 24 * 3600};
  explicit DeadLetterLedger(redis::Client& redis, std::chrono::seconds ttl = kDefaultTtl)
      : redis_(&redis), ttl_(ttl) {}

  // The id of the dead letter published for `m` before (logged); nullopt
  // when none, or when Redis could not be read.
  std::optional<std::string> find(const kafka::Message& m) const;
  void note(const kafka::Message& m, const std::string& dead_letter_id) const;

  static std::string key(const kafka::Message& m);

 private:
  redis::Client* redis_;
  std::chrono::seconds ttl_;
};

}  // namespace hbsync::service
