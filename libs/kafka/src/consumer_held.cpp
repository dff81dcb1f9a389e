// Consumer::Impl: calling the handler, and the retry of messages whose
// handler asked for one (held, their partition paused).
#include <algorithm>
#include <exception>

#include "client.hpp"
#include "consumer_impl.hpp"
#include "hbsync/log/log.hpp"
#include "hbsync/metrics/metrics.hpp"

namespace hbsync::kafka {

using std::chrono::milliseconds;

HandlerResult Consumer::Impl::call_handler(const rd_kafka_message_t* m, int attempt,
                                           bool exhausted) {
  Message msg;
  msg.topic = rd_kafka_topic_name(m->rkt);
  if (m->key != nullptr) msg.key = {static_cast<const char*>(m->key), m->key_len};
  if (m->payload != nullptr) msg.value = {static_cast<const char*>(m->payload), m->len};
  msg.partition = m->partition;
  msg.offset = m->offset;
  msg.timestamp_ms = rd_kafka_message_timestamp(m, nullptr);
  msg.attempt = attempt;
  msg.retries_exhausted = exhausted;
  msg.headers = detail::headers_of(m);
  auto correlation = msg.header(kCorrelationHeader);
  msg.correlation_id =
      correlation && !correlation->empty() ? std::string(*correlation) : log::new_correlation_id();

  log::Scope scope("", msg.correlation_id);
  HandlerResult result = HandlerResult::retry;
  const char* outcome = "retry";
  try {
    result = handler(msg);
    outcome = result == HandlerResult::done ? "done" : "retry";  // progressed: a retry
  } catch (const std::exception& e) {
    outcome = "error";
    log::warn("kafka handler threw; will retry", {{"topic", msg.topic},
                                                  {"partition", msg.partition},
                                                  {"offset", msg.offset},
                                                  {"attempt", attempt},
                                                  {"error", e.what()}});
  } catch (...) {
    outcome = "error";
    log::warn("kafka handler threw; will retry", {{"topic", msg.topic},
                                                  {"partition", msg.partition},
                                                  {"offset", msg.offset},
                                                  {"attempt", attempt}});
  }
  metrics::common()
      .kafka_consumed.Add({{"topic", std::string(msg.topic)}, {"result", outcome}})
      .Increment();
  return result;
}

// Takes ownership of m.
void Consumer::Impl::handle_new(rd_kafka_message_t* m) {
  Partition p = partition_of(m);
  if (auto it = held.find(p); it != held.end()) {
    it->second.behind.push_back(m);
    return;
  }
  const auto first_delivery = Clock::now();
  const HandlerResult result = call_handler(m, 1, is_last_delivery(1, first_delivery));
  if (result == HandlerResult::done) {
    store(m);
    rd_kafka_message_destroy(m);
    return;
  }
  if (stop_requested.load()) {
    rd_kafka_message_destroy(m);  // not committed: the next owner gets it
    return;
  }
  Held h{m, retry::Backoff(options.retry), first_delivery, {}, 1, {}};
  schedule(h, result);
  pause(p, true);
  held.emplace(p, std::move(h));
}

// Whether the policy gives up if delivery number `attempt` fails too.
bool Consumer::Impl::is_last_delivery(int attempt, Clock::time_point first_delivery) const {
  return attempt >= options.retry.max_attempts ||
         Clock::now() - first_delivery >= options.retry.max_elapsed;
}

// After a failed delivery: when the next one is due. Once the policy gave
// up, the handler was told (retries_exhausted) and chose not to
// dead-letter; the message is then retried every max_delay, never skipped.
// `progressed`: the next delivery is the first of the part now at hand,
// with a fresh budget.
void Consumer::Impl::schedule(Held& h, HandlerResult result) {
  if (result == HandlerResult::progressed) {
    h.backoff.reset();
    h.first_delivery = Clock::now();
    h.attempt = 0;  // the next delivery is attempt 1
  }
  milliseconds delay = h.backoff.next().value_or(options.retry.max_delay);
  h.due = Clock::now() + delay;
  ++h.attempt;
}

void Consumer::Impl::handle_due_held() {
  auto now = Clock::now();
  for (auto it = held.begin(); it != held.end() && !stop_requested.load();) {
    Held& h = it->second;
    if (h.due > now) {
      ++it;
      continue;
    }
    const HandlerResult result =
        call_handler(h.message, h.attempt, is_last_delivery(h.attempt, h.first_delivery));
    if (result == HandlerResult::done) {
      store(h.message);
      rd_kafka_message_destroy(h.message);
      if (h.behind.empty()) {
        pause(it->first, false);
        it = held.erase(it);
        continue;
      }
      // The partition stays paused while the messages behind are worked
      // off, each as a first delivery.
      h.message = h.behind.front();
      h.behind.pop_front();
      h.backoff.reset();
      h.first_delivery = h.due = Clock::now();
      h.attempt = 1;
      ++it;
    } else {
      schedule(h, result);
      ++it;
    }
    now = Clock::now();
  }
}

milliseconds Consumer::Impl::poll_timeout() const {
  milliseconds timeout(100);
  auto now = Clock::now();
  for (const auto& [p, h] : held) {
    auto left = std::chrono::duration_cast<milliseconds>(h.due - now);
    timeout = std::clamp(left, milliseconds(0), timeout);
  }
  return timeout;
}

}  // namespace hbsync::kafka
