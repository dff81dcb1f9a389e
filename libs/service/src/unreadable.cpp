#include "hbsync/service/unreadable.hpp"

#include "hbsync/log/log.hpp"
#include "hbsync/service/dead_letter.hpp"
#include "reason_counter.hpp"

namespace hbsync::service {
namespace {

ReasonCounter& unreadable_total() {
  static ReasonCounter counter(
      "hbsync_unreadable_messages_total",
      "Consumed messages that could not be decoded, dead-lettered to sync.dlq, by topic and "
      "reason code");
  return counter;
}

}  // namespace

kafka::HandlerResult dead_letter_unreadable(kafka::Producer& producer, const std::string& dlq_topic,
                                            const kafka::Message& m, Unreadable why,
                                            const DeadLetterLedger* ledger) {
  log::warn("unreadable message", {{"topic", m.topic},
                                   {"partition", m.partition},
                                   {"offset", m.offset},
                                   {"reason_code", why.code}});
  if (ledger != nullptr && ledger->find(m)) return kafka::HandlerResult::done;
  const auto letter =
      publish_dead_letter(producer, dlq_topic, m, {.code = why.code, .message = why.message});
  if (!letter) return kafka::HandlerResult::retry;
  unreadable_total().count(m.topic, why.code);
  if (ledger != nullptr) ledger->note(m, *letter);
  return kafka::HandlerResult::done;
}

}  // namespace hbsync::service
