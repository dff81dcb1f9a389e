#include "hbsync/kafka/producer.hpp"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "client.hpp"
#include "hbsync/log/log.hpp"
#include "hbsync/metrics/metrics.hpp"

namespace hbsync::kafka {

ProducerOptions ProducerOptions::load(config::Loader& loader, ClientOptions client,
                                      const std::string& default_delivery_timeout) {
  ProducerOptions o;
  o.client = std::move(client);
  o.delivery_timeout =
      loader.duration("HBSYNC_KAFKA_DELIVERY_TIMEOUT", default_delivery_timeout,
                      "Longest wait for Kafka to acknowledge a produced message, retries included");
  o.linger = loader.duration("HBSYNC_KAFKA_LINGER", "2ms",
                             "How long the producer waits to batch messages before sending");
  return o;
}

namespace {

using Clock = std::chrono::steady_clock;
using Callback = std::function<void(const DeliveryResult&)>;

// Travels with each message as librdkafka's per-message opaque.
struct Pending {
  std::string topic;
  Callback done;
};

}  // namespace

struct Producer::Impl {
  ProducerOptions options;
  rd_kafka_t* rk = nullptr;
  std::thread poller;
  std::thread::id poller_id;
  std::atomic<bool> stopping{false};

  mutable std::mutex mutex;
  std::condition_variable idle;
  size_t in_flight = 0;
  // Callbacks that do not come from librdkafka (enqueue failures, empty
  // batches), handed to the poll thread so every callback runs there and
  // never inside produce(). Each counts as in flight until it ran.
  std::deque<std::function<void()>> posted;

  void post(std::function<void()> task, bool counted = false) {
    std::lock_guard lock(mutex);
    if (!counted) ++in_flight;
    posted.push_back(std::move(task));
  }

  void finish_one() {
    std::lock_guard lock(mutex);
    if (--in_flight == 0) idle.notify_all();
  }

  void complete(Pending* pending, const DeliveryResult& result) {
    metrics::common()
        .kafka_produced.Add({{"topic", pending->topic}, {"result", result.ok ? "ok" : "error"}})
        .Increment();
    if (!result.ok) log_failure(pending->topic, result.error);
    try {
      pending->done(result);
    } catch (const std::exception& e) {
      log::error("kafka delivery callback threw", {{"error", e.what()}});
    } catch (...) {
      log::error("kafka delivery callback threw");
    }
    delete pending;
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
      finish_one();
    }
  }

  void poll_loop() {
    while (!stopping.load()) {
      rd_kafka_poll(rk, 50);
      serve_posted();
    }
  }

  static void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
    auto* self = static_cast<Impl*>(opaque);
    DeliveryResult result;
    result.ok = m->err == RD_KAFKA_RESP_ERR_NO_ERROR;
    if (!result.ok) result.error = rd_kafka_err2str(m->err);
    result.partition = m->partition;
    result.offset = m->offset;
    self->complete(static_cast<Pending*>(m->_private), result);
    self->finish_one();
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
  rd_kafka_destroy(impl.rk);
}

void Producer::produce(OutgoingMessage message, std::function<void(const DeliveryResult&)> done) {
  auto& impl = *impl_;
  // Counted before librdkafka sees the message: its report may come first.
  {
    std::lock_guard lock(impl.mutex);
    ++impl.in_flight;
  }
  auto* pending = new Pending{message.topic, std::move(done)};

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
  const bool may_wait = std::this_thread::get_id() != impl.poller_id;
  const auto deadline = std::chrono::steady_clock::now() + impl.options.enqueue_timeout;
  rd_kafka_resp_err_t err;
  while (true) {
    err = rd_kafka_producev(
        impl.rk, RD_KAFKA_V_TOPIC(message.topic.c_str()),
        RD_KAFKA_V_KEY(message.key.empty() ? nullptr : message.key.data(), message.key.size()),
        RD_KAFKA_V_VALUE(message.value.data(), message.value.size()),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(headers),
        RD_KAFKA_V_OPAQUE(pending), RD_KAFKA_V_END);
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL || !may_wait ||
        std::chrono::steady_clock::now() >= deadline) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return;  // librdkafka owns the headers now

  rd_kafka_headers_destroy(headers);
  DeliveryResult result;
  result.error = rd_kafka_err2str(err);
  impl.post([&impl, pending, result] { impl.complete(pending, result); }, /*counted=*/true);
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
  struct Batch {
    std::mutex mutex;
    size_t remaining;
    BatchResult result;
    std::function<void(const BatchResult&)> done;
  };
  auto batch = std::make_shared<Batch>();
  batch->remaining = messages.size();
  batch->result.ok = true;
  batch->done = std::move(done);
  if (messages.empty()) {
    // Still reported from the poll thread, like every other callback.
    impl_->post([batch] { batch->done(batch->result); });
    return;
  }
  for (auto& message : messages) {
    produce(std::move(message), [batch](const DeliveryResult& r) {
      bool last = false;
      {
        std::lock_guard lock(batch->mutex);
        if (!r.ok) {
          batch->result.ok = false;
          if (batch->result.failed++ == 0) batch->result.first_error = r.error;
        }
        last = --batch->remaining == 0;
      }
      if (last) batch->done(batch->result);
    });
  }
}

bool Producer::flush(std::chrono::milliseconds timeout) {
  if (std::this_thread::get_id() == impl_->poller_id) {
    throw std::logic_error("Producer::flush called from a delivery callback");
  }
  std::unique_lock lock(impl_->mutex);
  return impl_->idle.wait_for(lock, timeout, [this] { return impl_->in_flight == 0; });
}

bool Producer::ready(std::chrono::milliseconds timeout) {
  // After a fatal error every produce fails; only a restart helps.
  if (rd_kafka_fatal_error(impl_->rk, nullptr, 0) != RD_KAFKA_RESP_ERR_NO_ERROR) return false;
  return detail::metadata_ready(impl_->rk, timeout);
}

size_t Producer::in_flight() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->in_flight;
}

}  // namespace hbsync::kafka
