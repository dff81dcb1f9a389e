#include "hbsync/kafka/consumer.hpp"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <stdexcept>

#include "client.hpp"
#include "consumer_impl.hpp"
#include "hbsync/log/log.hpp"

namespace hbsync::kafka {

using std::chrono::milliseconds;

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
