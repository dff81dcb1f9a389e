#include "hbsync/kafka/producer.hpp"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <future>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include "client.hpp"
#include "hbsync/log/log.hpp"
#include "hbsync/metrics/metrics.hpp"

namespace hbsync::kafka {

ProducerOptions ProducerOptions::load(config::Loader& loader, ClientOptions client,
                                      const std::string& default_delivery_timeout,
                                      const std::string& default_linger) {
  ProducerOptions o;
  o.client = std::move(client);
  o.delivery_timeout =
      loader.duration("HBSYNC_KAFKA_DELIVERY_TIMEOUT", default_delivery_timeout,
                      "Longest wait for Kafka to acknowledge a produced message, retries included");
  o.linger = loader.duration("HBSYNC_KAFKA_LINGER", default_linger,
                             "How long the producer waits to batch messages before sending");
  return o;
}

namespace {

using Clock = std::chrono::steady_clock;
using Callback = std::function<void(const DeliveryResult&)>;
using BatchCallback = std::function<void(const BatchResult&)>;

// The produced-messages counters and the produce latency histogram of one
// topic, looked up once per topic (prometheus-cpp's Family::Add hashes the
// labels and takes a lock).
struct TopicCounters {
  prometheus::Counter* ok = nullptr;
  prometheus::Counter* error = nullptr;
  prometheus::Histogram* latency = nullptr;
};

// A topic handle's opaque: its counters.
struct TopicState {
  TopicCounters counters;
};

// Refuses a `partitioner` that keeps no key's messages in order ("random"),
// which every consumer of the product relies on; librdkafka's keyed ones pass.
void check_partitioner(rd_kafka_t* rk) {
  rd_kafka_topic_conf_t* conf = rd_kafka_default_topic_conf_dup(rk);
  char name[64] = "consistent_random";
  size_t size = sizeof name;
  if (rd_kafka_topic_conf_get(conf, "partitioner", name, &size) != RD_KAFKA_CONF_OK) {
    std::snprintf(name, sizeof name, "%s", "consistent_random");
  }
  rd_kafka_topic_conf_destroy(conf);
  static constexpr std::string_view kKeyed[] = {"consistent_random", "consistent", "murmur2",
                                                "murmur2_random",    "fnv1a",      "fnv1a_random"};
  if (std::find(std::begin(kKeyed), std::end(kKeyed), std::string_view(name)) == std::end(kKeyed)) {
    throw std::runtime_error("kafka: partitioner \"" + std::string(name) +
                             "\" not supported (messages of one key must stay in order)");
  }
}

// Travels with each message as librdkafka's per-message opaque: one per
// produce() call, one per produce_batch() call shared by all its messages.
// Only the poll thread touches it after the messages are enqueued (every
// report and posted failure runs there), so it needs no lock.
struct Pending {
  std::string topic;
  // The first message's topic's counters: used when a handle has no
  // counters as its opaque (librdkafka knew the topic before we did).
  TopicCounters counters;
  size_t remaining = 1;
  BatchResult result;
  Callback done_one;       // produce()
  BatchCallback done_all;  // produce_batch()
};

}  // namespace

struct Producer::Impl {
  ProducerOptions options;
  rd_kafka_t* rk = nullptr;
  std::thread poller;
  std::thread::id poller_id;
  std::atomic<bool> stopping{false};

  // Messages produced whose callback has not run yet; `idle` is notified
  // (under `mutex`, so flush cannot miss it) when it drops to zero.
  std::atomic<size_t> in_flight{0};
  mutable std::mutex mutex;
  std::condition_variable idle;
  // Callbacks that do not come from librdkafka (enqueue failures, empty
  // batches), handed to the poll thread so every callback runs there and
  // never inside produce(). Each counts as in flight until it ran.
  std::deque<std::function<void()>> posted;

  // Topic handles and counters, created on first use and kept for the
  // producer's life (a handle per message would cost a lookup under
  // librdkafka's lock each time).
  std::mutex topics_mutex;
  std::unordered_map<std::string, std::pair<rd_kafka_topic_t*, TopicState>> topics;

  struct Topic {
    rd_kafka_topic_t* handle = nullptr;
    TopicCounters counters;
    TopicState* state = nullptr;  // null with no handle
  };

  // The handle carries its state as its opaque, so a delivery report finds
  // its counters without a lookup. The handle is nullptr when librdkafka
  // refuses the name: producev then reports why.
  Topic topic(const std::string& name) {
    std::lock_guard lock(topics_mutex);
    auto it = topics.find(name);
    if (it != topics.end())
      return {it->second.first, it->second.second.counters, &it->second.second};
    auto& entry = topics[name];  // a node: the state's address is stable
    entry.second.counters = counters_of(name);
    // A copy of the handle's default topic configuration: a fresh one would
    // lose the topic-level settings made on the handle (delivery timeout,
    // acks, request timeout).
    rd_kafka_topic_conf_t* conf = rd_kafka_default_topic_conf_dup(rk);
    rd_kafka_topic_conf_set_opaque(conf, &entry.second);
    rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, name.c_str(), conf);  // takes conf
    if (rkt == nullptr) {
      TopicCounters counters = entry.second.counters;
      topics.erase(name);
      return {nullptr, counters, nullptr};
    }
    entry.first = rkt;
    return {rkt, entry.second.counters, &entry.second};
  }

  static TopicCounters counters_of(const std::string& name) {
    auto& family = metrics::common().kafka_produced;
    return {&family.Add({{"topic", name}, {"result", "ok"}}),
            &family.Add({{"topic", name}, {"result", "error"}}),
            &metrics::common().kafka_produce_latency.Add({{"topic", name}},
                                                         metrics::latency_buckets())};
  }

  void post(std::function<void()> task, bool counted = false) {
    std::lock_guard lock(mutex);
    if (!counted) in_flight.fetch_add(1);
    posted.push_back(std::move(task));
  }

  void finish(size_t n) {
    if (in_flight.fetch_sub(n) == n) {
      std::lock_guard lock(mutex);
      idle.notify_all();
    }
  }

  // One message's report, counted under its topic (`counters`); the last
  // one of a Pending runs its callback.
  void complete(Pending* pending, const DeliveryResult& result, const TopicCounters& counters) {
    if (result.ok) {
      counters.ok->Increment();
    } else {
      counters.error->Increment();
      log_failure(pending->topic, result.error);
      if (pending->result.failed++ == 0) pending->result.first_error = result.error;
    }
    if (pending->done_one) {
      run_callback([&] { pending->done_one(result); });
      delete pending;
      return;
    }
    if (--pending->remaining > 0) return;
    pending->result.ok = pending->result.failed == 0;
    run_callback([&] { pending->done_all(pending->result); });
    delete pending;
  }

  template <typename F>
  static void run_callback(F&& f) {
    try {
      f();
    } catch (const std::exception& e) {
      log::error("kafka delivery callback threw", {{"error", e.what()}});
    } catch (...) {
      log::error("kafka delivery callback threw");
    }
  }

  // An outage fails every message in flight at once; one line a second
  // says as much as thousands. Poll thread only.
  Clock::time_point last_failure_log{};
  uint64_t failures_not_logged = 0;

  void log_failure(const std::string& topic, const std::string& error) {
    auto now = Clock::now();
    if (now - last_failure_log < std::chrono::seconds(1)) {
      ++failures_not_logged;
      return;
    }
    log::warn("kafka delivery failed",
              {{"topic", topic}, {"error", error}, {"failures_not_logged", failures_not_logged}});
    last_failure_log = now;
    failures_not_logged = 0;
  }

  void serve_posted() {
    std::deque<std::function<void()>> tasks;
    {
      std::lock_guard lock(mutex);
      tasks.swap(posted);
    }
    for (auto& task : tasks) {
      task();
      finish(1);
    }
  }

  void poll_loop() {
    while (!stopping.load()) {
      rd_kafka_poll(rk, 50);
      serve_posted();
    }
  }

  // Hands one message to librdkafka (its headers: the message's own plus the
  // correlation id); an enqueue failure is reported from the poll thread.
  void enqueue(OutgoingMessage& message, rd_kafka_topic_t* rkt, Pending* pending);

  static void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
    auto* self = static_cast<Impl*>(opaque);
    DeliveryResult result;
    result.ok = m->err == RD_KAFKA_RESP_ERR_NO_ERROR;
    if (!result.ok) result.error = rd_kafka_err2str(m->err);
    result.partition = m->partition;
    result.offset = m->offset;
    auto* pending = static_cast<Pending*>(m->_private);
    const auto* known = static_cast<const TopicState*>(rd_kafka_topic_opaque(m->rkt));
    const TopicCounters& counters = known != nullptr ? known->counters : pending->counters;
    // librdkafka's own clock from producev to this report (retries
    // included); acknowledged messages only: a failure's time is the
    // delivery timeout, counted as an error instead.
    const int64_t latency_us = result.ok ? rd_kafka_message_latency(m) : -1;
    if (latency_us >= 0) counters.latency->Observe(static_cast<double>(latency_us) / 1e6);
    self->complete(pending, result, counters);
    self->finish(1);
  }

  static void on_error(rd_kafka_t* rk, int err, const char* reason, void*) {
    auto code = static_cast<rd_kafka_resp_err_t>(err);
    if (code == RD_KAFKA_RESP_ERR__FATAL) {
      // The idempotent producer cannot guarantee order or no-duplicates any
      // more; every later produce fails, so the service must restart.
      char detail[512];
      rd_kafka_resp_err_t fatal = rd_kafka_fatal_error(rk, detail, sizeof detail);
      log::error("kafka producer fatal error",
                 {{"error", rd_kafka_err2name(fatal)}, {"detail", detail}});
      return;
    }
    // Connection failures are already in librdkafka's own log lines.
    if (code == RD_KAFKA_RESP_ERR__TRANSPORT) return;
    log::warn("kafka producer error", {{"error", rd_kafka_err2name(code)}, {"detail", reason}});
  }
};

Producer::Producer(ProducerOptions options) : impl_(std::make_shared<Impl>()) {
  impl_->options = std::move(options);
  const auto& o = impl_->options;
  const auto delivery_ms = std::to_string(std::max<int64_t>(1, o.delivery_timeout.count()));
  detail::Properties defaults = {
      {"linger.ms", std::to_string(o.linger.count())},
      // Reconnect within a second once a broker is back, instead of
      // librdkafka's 10 s ceiling: ingress acknowledges HubSpot only after
      // Kafka did, so recovery time is webhook latency.
      {"reconnect.backoff.max.ms", "1000"},
      {"request.timeout.ms", std::to_string(std::min<int64_t>(30000, o.delivery_timeout.count()))},
      // Requests go out when ready instead of waiting for the ACK of the
      // previous segment (Nagle), which costs up to a delayed-ACK timeout
      // (40 ms on Linux) per produce round trip: webhook latency again.
      {"socket.nagle.disable", "true"},
  };
  detail::Properties enforced = {
      {"enable.idempotence", "true"},  // retries can neither duplicate nor reorder
      {"acks", "all"},
      {"delivery.timeout.ms", delivery_ms},
  };
  rd_kafka_conf_t* conf = detail::make_conf(o.client, defaults, enforced);
  rd_kafka_conf_set_opaque(conf, impl_.get());
  rd_kafka_conf_set_dr_msg_cb(conf, &Impl::on_delivery);
  rd_kafka_conf_set_error_cb(conf, &Impl::on_error);
  impl_->rk = detail::make_handle(RD_KAFKA_PRODUCER, conf);
  try {
    check_partitioner(impl_->rk);
  } catch (...) {
    rd_kafka_destroy(impl_->rk);
    throw;
  }
  impl_->poller = std::thread([impl = impl_.get()] { impl->poll_loop(); });
  impl_->poller_id = impl_->poller.get_id();
}

Producer::~Producer() {
  auto& impl = *impl_;
  if (!flush(impl.options.delivery_timeout)) {
    log::warn("kafka producer closing with undelivered messages; failing them",
              {{"in_flight", static_cast<uint64_t>(in_flight())}});
    rd_kafka_purge(impl.rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    flush(std::chrono::milliseconds(5000));
  }
  impl.stopping = true;
  impl.poller.join();
  // Whatever is still outstanding gets its report here, on this thread,
  // rather than never.
  rd_kafka_purge(impl.rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  rd_kafka_poll(impl.rk, 0);
  impl.serve_posted();
  for (auto& [name, entry] : impl.topics) rd_kafka_topic_destroy(entry.first);
  rd_kafka_destroy(impl.rk);
}

void Producer::Impl::enqueue(OutgoingMessage& message, rd_kafka_topic_t* rkt, Pending* pending) {
  rd_kafka_headers_t* headers = rd_kafka_headers_new(message.headers.size() + 1);
  bool has_correlation = false;
  for (const auto& [name, value] : message.headers) {
    has_correlation = has_correlation || name == kCorrelationHeader;
    rd_kafka_header_add(headers, name.data(), static_cast<ssize_t>(name.size()), value.data(),
                        static_cast<ssize_t>(value.size()));
  }
  if (!has_correlation) {
    const std::string& correlation =
        !message.correlation_id.empty() ? message.correlation_id : log::current_correlation_id();
    if (!correlation.empty()) {
      rd_kafka_header_add(headers, kCorrelationHeader.data(),
                          static_cast<ssize_t>(kCorrelationHeader.size()), correlation.data(),
                          static_cast<ssize_t>(correlation.size()));
    }
  }

  // Waiting for room only helps when the poll thread can drain delivery
  // reports meanwhile, which it cannot while it runs this very call.
  const bool may_wait = std::this_thread::get_id() != poller_id;
  std::optional<std::chrono::steady_clock::time_point> deadline;  // from the first full queue
  rd_kafka_resp_err_t err;
  while (true) {
    const void* key = message.key.empty() ? nullptr : message.key.data();
    err = rkt != nullptr
              ? rd_kafka_producev(rk, RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_KEY(key, message.key.size()),
                                  RD_KAFKA_V_VALUE(message.value.data(), message.value.size()),
                                  RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                  RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_OPAQUE(pending),
                                  RD_KAFKA_V_END)
              : rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(message.topic.c_str()),
                                  RD_KAFKA_V_KEY(key, message.key.size()),
                                  RD_KAFKA_V_VALUE(message.value.data(), message.value.size()),
                                  RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                  RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_OPAQUE(pending),
                                  RD_KAFKA_V_END);
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL || !may_wait) break;
    const auto now = std::chrono::steady_clock::now();
    if (!deadline) deadline = now + options.enqueue_timeout;
    if (now >= *deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return;  // librdkafka owns the headers now

  rd_kafka_headers_destroy(headers);
  DeliveryResult result;
  result.error = rd_kafka_err2str(err);
  const auto* known =
      rkt != nullptr ? static_cast<const TopicState*>(rd_kafka_topic_opaque(rkt)) : nullptr;
  TopicCounters counters = known != nullptr ? known->counters : pending->counters;
  post([this, pending, result, counters] { complete(pending, result, counters); },
       /*counted=*/true);
}

void Producer::produce(OutgoingMessage message, std::function<void(const DeliveryResult&)> done) {
  auto& impl = *impl_;
  auto topic = impl.topic(message.topic);
  auto* pending = new Pending{};
  pending->topic = message.topic;
  pending->counters = topic.counters;
  pending->done_one = std::move(done);
  // Counted before librdkafka sees the message: its report may come first.
  impl.in_flight.fetch_add(1);
  impl.enqueue(message, topic.handle, pending);
}

DeliveryResult Producer::produce_sync(OutgoingMessage message) {
  if (std::this_thread::get_id() == impl_->poller_id) {
    throw std::logic_error("Producer::produce_sync called from a delivery callback");
  }
  std::promise<DeliveryResult> promise;
  auto future = promise.get_future();
  produce(std::move(message), [&promise](const DeliveryResult& r) { promise.set_value(r); });
  return future.get();
}

void Producer::produce_batch(std::vector<OutgoingMessage> messages,
                             std::function<void(const BatchResult&)> done) {
  auto& impl = *impl_;
  if (messages.empty()) {
    // Still reported from the poll thread, like every other callback.
    impl.post([done = std::move(done)] {
      BatchResult all_stored;
      all_stored.ok = true;
      done(all_stored);
    });
    return;
  }
  // One Pending for the whole batch; the topic handle is looked up again
  // only when the topic changes from one message to the next (usually never).
  auto* pending = new Pending{};
  pending->topic = messages.front().topic;
  pending->counters = impl.topic(pending->topic).counters;
  pending->remaining = messages.size();
  pending->done_all = std::move(done);
  impl.in_flight.fetch_add(messages.size());
  // After the last enqueue the poll thread may complete and free `pending`:
  // nothing below touches it.
  const std::string* last_topic = nullptr;
  rd_kafka_topic_t* rkt = nullptr;
  for (auto& message : messages) {
    if (last_topic == nullptr || *last_topic != message.topic) {
      rkt = impl.topic(message.topic).handle;
      last_topic = &message.topic;
    }
    impl.enqueue(message, rkt, pending);
  }
}

bool Producer::flush(std::chrono::milliseconds timeout) {
  if (std::this_thread::get_id() == impl_->poller_id) {
    throw std::logic_error("Producer::flush called from a delivery callback");
  }
  std::unique_lock lock(impl_->mutex);
  return impl_->idle.wait_for(lock, timeout, [this] { return impl_->in_flight.load() == 0; });
}

bool Producer::ready(std::chrono::milliseconds timeout) {
  // After a fatal error every produce fails; only a restart helps.
  if (rd_kafka_fatal_error(impl_->rk, nullptr, 0) != RD_KAFKA_RESP_ERR_NO_ERROR) return false;
  return detail::metadata_ready(impl_->rk, timeout);
}

size_t Producer::in_flight() const {
  return impl_->in_flight.load();
}

}  // namespace hbsync::kafka
