#include "hbsync/service/unreadable.hpp"

#include <prometheus/counter.h>

#include "hbsync/log/log.hpp"
#include "hbsync/metrics/metrics.hpp"
#include "hbsync/service/dead_letter.hpp"

namespace hbsync::service {
namespace {

prometheus::Family<prometheus::Counter>& unreadable_total() {
  static auto& family = prometheus::BuildCounter()
                            .Name("hbsync_unreadable_messages_total")
                            .Help(
                                "Consumed messages that could not be decoded, dead-lettered to "
                                "sync.dlq, by topic and reason code")
                            .Register(metrics::registry());
  return family;
}

}  // namespace

kafka::HandlerResult dead_letter_unreadable(kafka::Producer& producer, const std::string& dlq_topic,
                                            const kafka::Message& m, Unreadable why) {
  log::warn("unreadable message", {{"topic", m.topic},
                                   {"partition", m.partition},
                                   {"offset", m.offset},
                                   {"reason_code", why.code}});
  if (!publish_dead_letter(producer, dlq_topic, m, {.code = why.code, .message = why.message})) {
    return kafka::HandlerResult::retry;
  }
  unreadable_total()
      .Add({{"topic", std::string(m.topic)}, {"reason_code", std::string(why.code)}})
      .Increment();
  return kafka::HandlerResult::done;
}

}  // namespace hbsync::service
