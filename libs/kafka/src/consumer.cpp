#include "hbsync/kafka/consumer.hpp"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "client.hpp"
#include "hbsync/log/log.hpp"
#include "hbsync/metrics/metrics.hpp"

namespace hbsync::kafka {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

ConsumerOptions ConsumerOptions::load(config::Loader& loader, ClientOptions client,
                                      std::string default_group_id,
                                      std::vector<std::string> topics) {
  ConsumerOptions o;
  o.client = std::move(client);
  o.topics = std::move(topics);
  o.group_id = loader.str("HBSYNC_KAFKA_GROUP_ID", default_group_id,
                          "Kafka consumer group; replicas of one service share it");
  o.commit_interval = loader.duration("HBSYNC_KAFKA_COMMIT_INTERVAL", "1s",
                                      "How often processed offsets are committed");
  o.session_timeout =
      loader.duration("HBSYNC_KAFKA_SESSION_TIMEOUT", "10s",
                      "How soon the group reassigns the partitions of a consumer that died");
  o.fetch_wait_max = loader.duration(
      "HBSYNC_KAFKA_FETCH_WAIT_MAX", "100ms",
      "Longest a fetch waits at the broker for new messages (fetch.wait.max.ms); also the "
      "delay of a new message on brokers that do not answer a waiting fetch early (the dev "
      "broker: use 10ms there)");
  retry::Policy handler_retry;
  handler_retry.max_attempts = 10;
  handler_retry.initial_delay = milliseconds(500);
  handler_retry.max_delay = milliseconds(30000);
  handler_retry.max_elapsed = milliseconds(10 * 60 * 1000);
  o.retry = retry::Policy::load(loader, "HBSYNC_KAFKA_RETRY", handler_retry);
  return o;
}

std::optional<std::string_view> Message::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return std::nullopt;
}

namespace {

using Partition = std::pair<std::string, int32_t>;

Partition partition_of(const rd_kafka_message_t* m) {
  return {rd_kafka_topic_name(m->rkt), m->partition};
}

// A message whose handler asked for a retry. Its partition is paused until
// the message is done, so nothing behind it overtakes it; on resume,
// librdkafka fetches again from just after the last message it returned.
struct Held {
  rd_kafka_message_t* message = nullptr;
  retry::Backoff backoff;
  Clock::time_point first_delivery;
  Clock::time_point due;
  int attempt = 1;  // of the next delivery
  // Messages of the same partition that were already on their way when the
  // pause took effect; they are handled, in order, after `message`.
  std::deque<rd_kafka_message_t*> behind;
};

}  // namespace

struct Consumer::Impl {
  ConsumerOptions options;
  Handler handler;
  rd_kafka_t* rk = nullptr;
  rd_kafka_queue_t* queue = nullptr;  // the consumer queue, to wake a blocked poll on stop()
  std::atomic<bool> stop_requested{false};
  bool closed = false;
  bool closed_cleanly = false;

  // Touched only by the thread in run() (rebalance and commit callbacks are
  // served from rd_kafka_consumer_poll on that thread).
  std::map<Partition, Held> held;
  bool uncommitted = false;
  Clock::time_point next_commit;

  ~Impl() {
    drop_held({});
    if (rk != nullptr && !closed) close(milliseconds(5000));
    if (queue != nullptr) rd_kafka_queue_destroy(queue);
    if (rk != nullptr) {
      // After a close that gave up, destroy must not try to close again.
      rd_kafka_destroy_flags(rk, closed_cleanly ? 0 : RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
    }
  }

  // Leaves the group (the revoke callback runs in here), so the partitions
  // move now instead of after the session timeout. rd_kafka_consumer_close
  // blocks for minutes when no broker answers, so the asynchronous variant
  // is served here up to a deadline.
  void close(milliseconds timeout) {
    closed = true;
    rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
    rd_kafka_error_t* error = rd_kafka_consumer_close_queue(rk, q);
    if (error != nullptr) {
      log::warn("kafka consumer close failed", {{"error", rd_kafka_error_string(error)}});
      rd_kafka_error_destroy(error);
    }
    const auto deadline = Clock::now() + timeout;
    while (!rd_kafka_consumer_closed(rk) && Clock::now() < deadline) {
      // Events, not callbacks: messages fetched before the close arrive on
      // this queue too (they are dropped, uncommitted).
      rd_kafka_event_t* event = rd_kafka_queue_poll(q, 100);
      if (event == nullptr) continue;
      if (rd_kafka_event_type(event) == RD_KAFKA_EVENT_REBALANCE) {
        on_rebalance(rk, rd_kafka_event_error(event), rd_kafka_event_topic_partition_list(event),
                     this);
      }
      rd_kafka_event_destroy(event);
    }
    rd_kafka_queue_destroy(q);
    closed_cleanly = rd_kafka_consumer_closed(rk) != 0;
    if (!closed_cleanly) {
      log::warn(
          "kafka consumer did not leave its group in time; the group will notice after "
          "the session timeout");
    }
  }

  // ---- offsets ---------------------------------------------------------

  void store(const rd_kafka_message_t* m) {
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(list, rd_kafka_topic_name(m->rkt), m->partition)->offset =
        m->offset + 1;
    rd_kafka_resp_err_t err = rd_kafka_offsets_store(rk, list);
    rd_kafka_topic_partition_list_destroy(list);
    // __STATE: the partition was revoked meanwhile; its new owner redoes it.
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) uncommitted = true;
  }

  void commit_async() {
    if (!uncommitted) return;
    uncommitted = false;
    rd_kafka_resp_err_t err = rd_kafka_commit(rk, nullptr, 1);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR__NO_OFFSET) {
      uncommitted = true;
      log::warn("kafka commit failed to start", {{"error", rd_kafka_err2name(err)}});
    }
  }

  // Bounded, so that stop() cannot hang on an unreachable coordinator.
  // Always sent, even when nothing new was stored since the last async
  // commit: that one may still be in flight, and may yet fail.
  void commit_sync(milliseconds timeout) {
    rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
    rd_kafka_resp_err_t err = rd_kafka_commit_queue(rk, nullptr, q, nullptr, nullptr);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_event_t* ev = rd_kafka_queue_poll(q, static_cast<int>(timeout.count()));
      if (ev == nullptr) {
        err = RD_KAFKA_RESP_ERR__TIMED_OUT;
      } else {
        err = rd_kafka_event_error(ev);
        const rd_kafka_topic_partition_list_t* offsets = rd_kafka_event_topic_partition_list(ev);
        for (int i = 0; err == RD_KAFKA_RESP_ERR_NO_ERROR && offsets != nullptr && i < offsets->cnt;
             ++i) {
          err = offsets->elems[i].err;
        }
        rd_kafka_event_destroy(ev);
      }
    }
    rd_kafka_queue_destroy(q);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR__NO_OFFSET) {
      uncommitted = false;
    } else {
      uncommitted = true;
      log::warn("kafka commit failed; the group will redo the uncommitted messages",
                {{"error", rd_kafka_err2name(err)}});
    }
  }

  static void on_commit(rd_kafka_t*, rd_kafka_resp_err_t err,
                        rd_kafka_topic_partition_list_t* offsets, void* opaque) {
    auto* self = static_cast<Impl*>(opaque);
    bool failed = err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR__NO_OFFSET;
    for (int i = 0; offsets != nullptr && i < offsets->cnt; ++i) {
      failed = failed || offsets->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR;
    }
    if (failed) {
      // The stored offsets stay; the next commit carries them again.
      self->uncommitted = true;
      log::warn("kafka async commit failed", {{"error", rd_kafka_err2name(err)}});
    }
  }

  // ---- held messages ---------------------------------------------------

  void pause(const Partition& p, bool on) {
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(list, p.first.c_str(), p.second);
    if (on) {
      rd_kafka_pause_partitions(rk, list);
    } else {
      rd_kafka_resume_partitions(rk, list);
    }
    rd_kafka_topic_partition_list_destroy(list);
  }

  // Drops held messages of `partitions` (all when empty) without committing
  // them: whoever owns the partition next gets them again.
  void drop_held(const std::vector<Partition>& partitions) {
    for (auto it = held.begin(); it != held.end();) {
      bool match = partitions.empty() ||
                   std::find(partitions.begin(), partitions.end(), it->first) != partitions.end();
      if (!match) {
        ++it;
        continue;
      }
      if (rk != nullptr) pause(it->first, false);
      rd_kafka_message_destroy(it->second.message);
      for (auto* m : it->second.behind) rd_kafka_message_destroy(m);
      it = held.erase(it);
    }
  }

  // ---- handling --------------------------------------------------------

  HandlerResult call_handler(const rd_kafka_message_t* m, int attempt, bool exhausted) {
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
    msg.correlation_id = correlation && !correlation->empty() ? std::string(*correlation)
                                                              : log::new_correlation_id();

    log::Scope scope("", msg.correlation_id);
    HandlerResult result = HandlerResult::retry;
    const char* outcome = "retry";
    try {
      result = handler(msg);
      outcome = result == HandlerResult::done ? "done" : "retry";
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
  void handle_new(rd_kafka_message_t* m) {
    Partition p = partition_of(m);
    if (auto it = held.find(p); it != held.end()) {
      it->second.behind.push_back(m);
      return;
    }
    const auto first_delivery = Clock::now();
    if (call_handler(m, 1, is_last_delivery(1, first_delivery)) == HandlerResult::done) {
      store(m);
      rd_kafka_message_destroy(m);
      return;
    }
    if (stop_requested.load()) {
      rd_kafka_message_destroy(m);  // not committed: the next owner gets it
      return;
    }
    Held h{m, retry::Backoff(options.retry), first_delivery, {}, 1, {}};
    schedule(h);
    pause(p, true);
    held.emplace(p, std::move(h));
  }

  // Whether the policy gives up if delivery number `attempt` fails too.
  bool is_last_delivery(int attempt, Clock::time_point first_delivery) const {
    return attempt >= options.retry.max_attempts ||
           Clock::now() - first_delivery >= options.retry.max_elapsed;
  }

  // After a failed delivery: when the next one is due. Once the policy gave
  // up, the handler was told (retries_exhausted) and chose not to
  // dead-letter; the message is then retried every max_delay, never skipped.
  void schedule(Held& h) {
    milliseconds delay = h.backoff.next().value_or(options.retry.max_delay);
    h.due = Clock::now() + delay;
    ++h.attempt;
  }

  void handle_due_held() {
    auto now = Clock::now();
    for (auto it = held.begin(); it != held.end() && !stop_requested.load();) {
      Held& h = it->second;
      if (h.due > now) {
        ++it;
        continue;
      }
      if (call_handler(h.message, h.attempt, is_last_delivery(h.attempt, h.first_delivery)) ==
          HandlerResult::done) {
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
        schedule(h);
        ++it;
      }
      now = Clock::now();
    }
  }

  milliseconds poll_timeout() const {
    milliseconds timeout(100);
    auto now = Clock::now();
    for (const auto& [p, h] : held) {
      auto left = std::chrono::duration_cast<milliseconds>(h.due - now);
      timeout = std::clamp(left, milliseconds(0), timeout);
    }
    return timeout;
  }

  // ---- rebalance -------------------------------------------------------

  static std::vector<Partition> partitions_of(const rd_kafka_topic_partition_list_t* list) {
    std::vector<Partition> out;
    for (int i = 0; list != nullptr && i < list->cnt; ++i) {
      out.emplace_back(list->elems[i].topic, list->elems[i].partition);
    }
    return out;
  }

  static void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                           rd_kafka_topic_partition_list_t* partitions, void* opaque) {
    auto* self = static_cast<Impl*>(opaque);
    const bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
    const auto list = partitions_of(partitions);
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      log::info("kafka partitions assigned", {{"count", static_cast<int>(list.size())}});
      // Fetching starts from the group's committed offsets (or
      // auto.offset.reset for partitions that never committed).
      if (cooperative) {
        rd_kafka_error_t* error = rd_kafka_incremental_assign(rk, partitions);
        if (error != nullptr) {
          log::error("kafka incremental assign failed", {{"error", rd_kafka_error_string(error)}});
          rd_kafka_error_destroy(error);
        }
      } else {
        rd_kafka_assign(rk, partitions);
      }
      return;
    }
    const bool lost = err != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS || rd_kafka_assignment_lost(rk);
    log::info(lost ? "kafka partitions lost" : "kafka partitions revoked",
              {{"count", static_cast<int>(list.size())}});
    // Finished work is committed while we still own it. Not when the
    // assignment is lost: it already has a new owner whose offsets must not
    // move. Not while closing either: run() has just made the final commit
    // and handled nothing since.
    if (!lost && !self->closed) self->commit_sync(milliseconds(5000));
    self->drop_held(list);
    for (const auto& [topic, partition] : list) {
      auto& family = metrics::common().kafka_consumer_lag;
      family.Remove(&family.Add({{"topic", topic}, {"partition", std::to_string(partition)}}));
    }
    if (cooperative) {
      rd_kafka_error_t* error = rd_kafka_incremental_unassign(rk, partitions);
      if (error != nullptr) rd_kafka_error_destroy(error);
    } else {
      rd_kafka_assign(rk, nullptr);
    }
  }

  static void on_error(rd_kafka_t*, int err, const char* reason, void*) {
    // Connection failures are already in librdkafka's own log lines.
    if (err == RD_KAFKA_RESP_ERR__TRANSPORT) return;
    log::warn(
        "kafka consumer error",
        {{"error", rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err))}, {"detail", reason}});
  }

  // ---- lag -------------------------------------------------------------

  // Uses the high watermarks librdkafka caches from its fetch responses, so
  // it costs no request.
  void update_lag() {
    rd_kafka_topic_partition_list_t* list = nullptr;
    if (rd_kafka_assignment(rk, &list) != RD_KAFKA_RESP_ERR_NO_ERROR) return;
    rd_kafka_position(rk, list);
    for (int i = 0; i < list->cnt; ++i) {
      const auto& tp = list->elems[i];
      int64_t low = -1, high = -1;
      if (rd_kafka_get_watermark_offsets(rk, tp.topic, tp.partition, &low, &high) !=
              RD_KAFKA_RESP_ERR_NO_ERROR ||
          high < 0 || tp.offset < 0) {
        continue;
      }
      metrics::common()
          .kafka_consumer_lag
          .Add({{"topic", tp.topic}, {"partition", std::to_string(tp.partition)}})
          .Set(static_cast<double>(std::max<int64_t>(0, high - tp.offset)));
    }
    rd_kafka_topic_partition_list_destroy(list);
  }
};

Consumer::Consumer(ConsumerOptions options, Handler handler) : impl_(std::make_shared<Impl>()) {
  impl_->options = std::move(options);
  impl_->handler = std::move(handler);
  const auto& o = impl_->options;
  if (o.group_id.empty()) throw std::invalid_argument("kafka consumer: group id is empty");
  const int64_t session_ms = std::max<int64_t>(1000, o.session_timeout.count());
  detail::Properties defaults = {
      // A new group starts at the beginning: events written before the
      // group first existed are work too.
      {"auto.offset.reset", "earliest"},
      // Eager (range) rebalancing, not cooperative-sticky: in librdkafka
      // 2.0.2 a manual commit that crosses a cooperative rebalance fails
      // with ILLEGAL_GENERATION and makes the member drop its whole
      // assignment as lost, uncommitted (librdkafka issue #4059, fixed
      // upstream by PR #4908 in 2025). With eager rebalancing every revoke
      // goes through on_rebalance, which commits what is done before
      // letting go.
      {"partition.assignment.strategy", "range"},
      {"session.timeout.ms", std::to_string(session_ms)},
      {"heartbeat.interval.ms", std::to_string(std::min<int64_t>(3000, session_ms / 3))},
      {"reconnect.backoff.max.ms", "1000"},
      // Messages are handled one at a time by rate-limited handlers;
      // prefetching librdkafka's default 64 MB buys nothing but memory.
      {"queued.max.messages.kbytes", "4096"},
      // Real Kafka answers a waiting fetch as soon as data arrives; the dev
      // broker (librdkafka's mock cluster) only at the end of the wait.
      {"fetch.wait.max.ms", std::to_string(std::max<int64_t>(1, o.fetch_wait_max.count()))},
  };
  detail::Properties enforced = {
      {"group.id", o.group_id},
      // Offsets are committed only for messages whose handler said done.
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
  };
  rd_kafka_conf_t* conf = detail::make_conf(o.client, defaults, enforced);
  rd_kafka_conf_set_opaque(conf, impl_.get());
  rd_kafka_conf_set_rebalance_cb(conf, &Impl::on_rebalance);
  rd_kafka_conf_set_offset_commit_cb(conf, &Impl::on_commit);
  rd_kafka_conf_set_error_cb(conf, &Impl::on_error);
  impl_->rk = detail::make_handle(RD_KAFKA_CONSUMER, conf);
  rd_kafka_poll_set_consumer(impl_->rk);
  impl_->queue = rd_kafka_queue_get_consumer(impl_->rk);
}

Consumer::~Consumer() = default;

void Consumer::run() {
  auto& impl = *impl_;
  if (impl.closed) throw std::logic_error("Consumer::run called twice");
  rd_kafka_topic_partition_list_t* topics =
      rd_kafka_topic_partition_list_new(static_cast<int>(impl.options.topics.size()));
  for (const auto& t : impl.options.topics) {
    rd_kafka_topic_partition_list_add(topics, t.c_str(), RD_KAFKA_PARTITION_UA);
  }
  rd_kafka_resp_err_t err = rd_kafka_subscribe(impl.rk, topics);
  rd_kafka_topic_partition_list_destroy(topics);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw std::runtime_error(std::string("kafka subscribe failed: ") + rd_kafka_err2str(err));
  }
  log::info("kafka consumer started", {{"group", impl.options.group_id}});

  impl.next_commit = Clock::now() + impl.options.commit_interval;
  while (!impl.stop_requested.load()) {
    impl.handle_due_held();
    auto now = Clock::now();
    if (now >= impl.next_commit) {
      impl.commit_async();
      impl.update_lag();
      impl.next_commit = now + impl.options.commit_interval;
    }
    if (impl.stop_requested.load()) break;
    rd_kafka_message_t* m =
        rd_kafka_consumer_poll(impl.rk, static_cast<int>(impl.poll_timeout().count()));
    if (m == nullptr) continue;
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        log::warn("kafka consume error",
                  {{"error", rd_kafka_err2name(m->err)}, {"detail", rd_kafka_message_errstr(m)}});
      }
      rd_kafka_message_destroy(m);
      continue;
    }
    impl.handle_new(m);
  }

  log::info("kafka consumer stopping", {{"group", impl.options.group_id}});
  impl.drop_held({});
  impl.commit_sync(milliseconds(5000));
  impl.close(milliseconds(5000));
  log::info("kafka consumer stopped", {{"group", impl.options.group_id}});
}

void Consumer::stop() {
  impl_->stop_requested = true;
  rd_kafka_queue_yield(impl_->queue);
}

bool Consumer::ready(milliseconds timeout) {
  return detail::metadata_ready(impl_->rk, timeout);
}

std::vector<std::pair<std::string, int32_t>> Consumer::assignment() const {
  std::vector<std::pair<std::string, int32_t>> out;
  rd_kafka_topic_partition_list_t* list = nullptr;
  if (rd_kafka_assignment(impl_->rk, &list) != RD_KAFKA_RESP_ERR_NO_ERROR) return out;
  out = Impl::partitions_of(list);
  rd_kafka_topic_partition_list_destroy(list);
  return out;
}

}  // namespace hbsync::kafka
