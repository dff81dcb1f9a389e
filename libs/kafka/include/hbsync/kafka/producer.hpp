// The one Kafka producer: acks=all, idempotent, delivery reports surfaced to
// the caller. Thread-safe; one instance per process is enough.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hbsync/config/config.hpp"
#include "hbsync/kafka/options.hpp"

namespace hbsync::kafka {

struct ProducerOptions {
  ClientOptions client;
  // Upper bound from produce() to the delivery report, retries included
  // (delivery.timeout.ms). HBSYNC_KAFKA_DELIVERY_TIMEOUT, default 30s.
  std::chrono::milliseconds delivery_timeout{30000};
  // Batching delay (linger.ms). HBSYNC_KAFKA_LINGER, default 2ms.
  std::chrono::milliseconds linger{2};
  // How long produce() keeps retrying when librdkafka's local queue is full
  // before it reports the message as failed. Not configurable by env.
  std::chrono::milliseconds enqueue_timeout{1000};

  // `default_delivery_timeout`, `default_linger`: the service's defaults
  // for HBSYNC_KAFKA_DELIVERY_TIMEOUT (ingress answers HubSpot, which waits
  // 5 s) and HBSYNC_KAFKA_LINGER (ingress waits less: a webhook's answer
  // waits for it).
  static ProducerOptions load(config::Loader& loader, ClientOptions client,
                              const std::string& default_delivery_timeout = "30s",
                              const std::string& default_linger = "2ms");
};

struct OutgoingMessage {
  std::string topic;
  std::string key;
  std::string value;
  std::vector<std::pair<std::string, std::string>> headers;
  // Written as header kCorrelationHeader; empty = log::current_correlation_id()
  // of the calling thread (no header when that is empty too). A
  // kCorrelationHeader entry already in `headers` wins over both.
  std::string correlation_id;
};

struct DeliveryResult {
  bool ok = false;
  std::string error;  // librdkafka's description when !ok
  int32_t partition = -1;
  int64_t offset = -1;
};

struct BatchResult {
  bool ok = false;  // every message acknowledged
  size_t failed = 0;
  std::string first_error;
};

class Producer {
 public:
  // Throws std::runtime_error when librdkafka rejects the configuration.
  explicit Producer(ProducerOptions options);
  // Waits up to delivery_timeout for outstanding messages, then fails the
  // rest (their callbacks still run, with an error) before returning.
  ~Producer();
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  // `done` runs exactly once, on the producer's poll thread: with the
  // delivery report, or with the error when the message could not even be
  // enqueued (unknown topic, too large, queue still full after
  // enqueue_timeout). Keep it short; it must not call produce_sync or flush.
  void produce(OutgoingMessage message, std::function<void(const DeliveryResult&)> done);

  // Blocks until the delivery report. Must not be called from a `done`
  // callback (throws std::logic_error there: it would wait for itself).
  DeliveryResult produce_sync(OutgoingMessage message);

  // `done` runs once, on the poll thread, after every message of the batch
  // has its report (at once for an empty batch). Messages are independent:
  // some may be stored while others failed.
  void produce_batch(std::vector<OutgoingMessage> messages,
                     std::function<void(const BatchResult&)> done);

  // True when every message produced so far has had its callback run.
  bool flush(std::chrono::milliseconds timeout);

  // True when a metadata request to the cluster succeeds within timeout
  // (readiness probes); false for good after a fatal idempotence error.
  bool ready(std::chrono::milliseconds timeout);

  // Messages produced whose callback has not run yet.
  size_t in_flight() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace hbsync::kafka
