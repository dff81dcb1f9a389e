// hubspot.events batches (hbsync.v1.HubSpotEventBatch, what ingress
// publishes): their events handled one by one, in order, each as if it came
// alone (a single HubSpotEvent message with the event's own key), so an
// event that fails is retried and finally dead-lettered by itself, as a
// single event that `hbsync-ctl dlq replay` sends back unchanged, while the
// others go on. The batch is done (its offset committed) only once every
// event is handled or dead-lettered.
//
// Progress: once an event is done, a failing later one makes the batch
// `progressed` (kafka::HandlerResult): redelivered with a fresh retry budget,
// and started at that event (remembered here per message). After a crash or
// a rebalance the batch starts over from its first event: the mapper's
// handling is idempotent (command ids from the deal's state, deduplicated
// by the writer; reads covered by an earlier one skipped; an event
// dead-lettered before found in the dead letter ledger by its index, which
// each single message carries as kafka::Message::part).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

#include "hbsync/kafka/consumer.hpp"

namespace hbsync::mapper {

class BatchHandler {
 public:
  using Handle = std::function<kafka::HandlerResult(const kafka::Message&)>;
  // `single`: one event, as a message of the single-event schema;
  // `unreadable`: a batch that does not decode (dead-letters it whole).
  BatchHandler(Handle single, Handle unreadable);

  kafka::HandlerResult handle(const kafka::Message& batch);

  // Messages with progress remembered (tests).
  size_t in_progress() const;

 private:
  using Position = std::tuple<std::string, int32_t, int64_t>;  // topic, partition, offset

  size_t start_of(const Position& at) const;
  void remember(const Position& at, size_t next);

  Handle single_;
  Handle unreadable_;
  mutable std::mutex mutex_;
  std::map<Position, size_t> next_;  // the first event not done yet
};

}  // namespace hbsync::mapper
