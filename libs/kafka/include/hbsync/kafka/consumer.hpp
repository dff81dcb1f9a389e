// The one Kafka consumer: a member of a consumer group that hands messages
// to a handler one at a time and commits an offset only after its handler
// said done (at-least-once; handlers are idempotent).
//
// One at a time, not batches: handlers call rate-limited APIs, so the
// per-message commit overhead is nothing next to them, and a failure then
// concerns exactly one message. Offsets are stored after each done message
// and committed asynchronously every commit_interval, synchronously on
// partition revoke and on stop().
//
// Rebalancing is eager (partition.assignment.strategy=range): with
// librdkafka 2.0.2, cooperative-sticky and manual commits lose whole
// assignments during rebalances (see consumer.cpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hbsync/config/config.hpp"
#include "hbsync/kafka/options.hpp"
#include "hbsync/retry/retry.hpp"

namespace hbsync::kafka {

struct ConsumerOptions {
  ClientOptions client;
  std::string group_id;             // HBSYNC_KAFKA_GROUP_ID, default given by the service
  std::vector<std::string> topics;  // subscribed topics
  // Delays between deliveries of a message whose handler asked for a retry
  // (HBSYNC_KAFKA_RETRY_MAX_ATTEMPTS / _INITIAL_DELAY / _MAX_DELAY /
  // _MAX_ELAPSED; load() defaults to 10 deliveries, 500ms .. 30s, 10m).
  // While a message waits, its partition is paused; other partitions keep
  // flowing.
  retry::Policy retry;
  // HBSYNC_KAFKA_COMMIT_INTERVAL, default 1s: how much done work a crash may
  // make the group redo.
  std::chrono::milliseconds commit_interval{1000};
  // HBSYNC_KAFKA_SESSION_TIMEOUT, default 10s: how soon the group notices a
  // consumer that died without leaving and gives its partitions to others.
  std::chrono::milliseconds session_timeout{10000};
  // HBSYNC_KAFKA_FETCH_WAIT_MAX, default 100ms (fetch.wait.max.ms): with
  // real Kafka a bound on idle fetch requests; with the dev broker, which
  // answers a waiting fetch only when the wait ends, the delay a new message
  // may see (scripts/run.sh and the tests use 10ms).
  std::chrono::milliseconds fetch_wait_max{100};

  static ConsumerOptions load(config::Loader& loader, ClientOptions client,
                              std::string default_group_id, std::vector<std::string> topics);
};

// A delivered message. The views stay valid only during the handler call.
struct Message {
  std::string_view topic;
  std::string_view key;
  std::string_view value;
  int32_t partition = -1;
  int64_t offset = -1;
  int64_t timestamp_ms = -1;
  std::vector<std::pair<std::string_view, std::string_view>> headers;
  // From kCorrelationHeader, or a new id when the producer sent none. Also
  // set as log::current_correlation_id() while the handler runs.
  std::string correlation_id;
  int attempt = 1;  // 1 for the first delivery to this consumer, 2 after one retry ...
  // If this delivery fails too, the retry policy gives up (attempts or time
  // exhausted): this is the moment to dead-letter the message and return
  // done. Returning retry anyway keeps retrying every max_delay; the
  // consumer never skips a message by itself.
  bool retries_exhausted = false;
  // One part of a message of several parts (hubspot.events batches), as the
  // handler that splits it numbers them from 0; -1: the whole message.
  int32_t part = -1;

  std::optional<std::string_view> header(std::string_view name) const;
};

enum class HandlerResult {
  done,   // processed (or dead-lettered): its offset may be committed
  retry,  // deliver this same message again after a backoff
  // A message of several parts (hubspot.events batches): some parts are
  // done for good and the handler remembers which; deliver it again after
  // a backoff with a fresh retry budget (attempt 1 again) for the part it
  // is now at, as if that part came alone.
  progressed,
};

// An exception from the handler is logged and treated as retry.
using Handler = std::function<HandlerResult(const Message&)>;

class Consumer {
 public:
  // Throws std::runtime_error when librdkafka rejects the configuration.
  Consumer(ConsumerOptions options, Handler handler);
  // Closes the consumer if run() was never called or did not finish; must
  // not race with run().
  ~Consumer();
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  // Joins the group and handles messages until stop(). Then it lets the
  // message in hand finish, commits every done offset, leaves the group
  // (rd_kafka_consumer_close) and returns. Call once.
  void run();

  // From any thread (a signal-handling thread); returns at once.
  void stop();

  // True when a metadata request to the cluster succeeds within timeout.
  bool ready(std::chrono::milliseconds timeout);

  // Partitions currently assigned to this member (tests, diagnostics).
  std::vector<std::pair<std::string, int32_t>> assignment() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace hbsync::kafka
