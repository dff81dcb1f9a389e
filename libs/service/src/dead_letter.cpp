#include "hbsync/service/dead_letter.hpp"

#include "hbsync/log/log.hpp"
#include "hbsync/v1/events.pb.h"
#include "reason_counter.hpp"

namespace hbsync::service {
namespace {

ReasonCounter& dead_letters_total() {
  static ReasonCounter counter(
      "hbsync_dead_letters_total",
      "Messages dead-lettered to sync.dlq, by source topic and reason code (alert "
      "HbsyncDeadLetters)");
  return counter;
}

}  // namespace

std::optional<std::string> publish_dead_letter(kafka::Producer& producer,
                                               const std::string& dlq_topic,
                                               const kafka::Message& m,
                                               const DeadLetterReason& reason,
                                               std::chrono::system_clock::time_point now) {
  v1::DeadLetter dl;
  dl.set_source_topic(std::string(m.topic));
  dl.set_key(std::string(m.key));
  dl.set_payload(std::string(m.value));
  dl.set_reason_code(std::string(reason.code));
  dl.set_reason(std::string(reason.message));
  dl.set_attempts(m.attempt);
  dl.set_failed_at_ms(
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count());
  dl.set_tenant_id(std::string(reason.tenant_id));
  dl.set_correlation_id(m.correlation_id);
  // Where it was consumed: <topic>:<partition>:<offset>[:<event of a batch>].
  std::string origin =
      std::string(m.topic) + ":" + std::to_string(m.partition) + ":" + std::to_string(m.offset);
  if (m.part >= 0) origin += ":" + std::to_string(m.part);
  dl.set_dead_letter_id(origin);
  kafka::OutgoingMessage out;
  out.topic = dlq_topic;
  out.key = std::string(m.key);
  out.value = dl.SerializeAsString();
  out.headers.emplace_back(dlq::kSchemaHeader, std::string(dlq::kDeadLetterSchema));
  auto delivery = producer.produce_sync(std::move(out));
  if (!delivery.ok) {
    log::warn("dead letter not acknowledged by kafka", {{"error", delivery.error}});
    return std::nullopt;
  }
  dead_letters_total().count(m.topic, reason.code);
  log::warn("message dead-lettered", {{"topic", m.topic},
                                      {"partition", m.partition},
                                      {"offset", m.offset},
                                      {"tenant", reason.tenant_id},
                                      {"reason_code", reason.code}});
  return std::to_string(delivery.partition) + ":" + std::to_string(delivery.offset);
}

std::string DeadLetterLedger::key(const kafka::Message& m) {
  std::string k = "hbsync:dlq:sent:";
  k += m.topic;
  k += ':' + std::to_string(m.partition) + ':' + std::to_string(m.offset) + ':' +
       std::to_string(m.timestamp_ms);
  if (m.part >= 0) k += ':' + std::to_string(m.part);
  return k;
}

std::optional<std::string> DeadLetterLedger::find(const kafka::Message& m) const {
  try {
    auto reply = redis_->command({"GET", key(m)});
    if (!reply.is_string()) return std::nullopt;
    log::info("dead-lettered before; not again", {{"topic", m.topic},
                                                  {"partition", m.partition},
                                                  {"offset", m.offset},
                                                  {"part", m.part},
                                                  {"dead_letter", reply.str}});
    return reply.str;
  } catch (const std::exception& e) {
    log::warn("dead letter ledger not read", {{"error", e.what()}});
    return std::nullopt;
  }
}

void DeadLetterLedger::note(const kafka::Message& m, const std::string& dead_letter_id) const {
  try {
    redis_->command({"SET", key(m), dead_letter_id, "EX", std::to_string(ttl_.count())});
  } catch (const std::exception& e) {
    log::warn("dead letter not noted in the ledger",
              {{"dead_letter", dead_letter_id}, {"error", e.what()}});
  }
}

}  // namespace hbsync::service
