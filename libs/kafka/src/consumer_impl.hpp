// Consumer::Impl, shared by the consumer's source files (not public):
// consumer.cpp (construction and the poll loop), consumer_group.cpp (offsets,
// commits, rebalances, lag) and consumer_held.cpp (handler calls and the
// retry of held messages).
#pragma once

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "hbsync/kafka/consumer.hpp"
#include "hbsync/retry/retry.hpp"

namespace hbsync::kafka {

using Partition = std::pair<std::string, int32_t>;
using Clock = std::chrono::steady_clock;

inline Partition partition_of(const rd_kafka_message_t* m) {
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

  ~Impl();

  // Leaves the group (the revoke callback runs in here), so the partitions
  // move now instead of after the session timeout. rd_kafka_consumer_close
  // blocks for minutes when no broker answers, so the asynchronous variant
  // is served here up to a deadline.
  void close(std::chrono::milliseconds timeout);

  // ---- offsets (consumer_group.cpp) ------------------------------------
  void store(const rd_kafka_message_t* m);
  void commit_async();
  // Bounded, so that stop() cannot hang on an unreachable coordinator.
  // Always sent, even when nothing new was stored since the last async
  // commit: that one may still be in flight, and may yet fail.
  void commit_sync(std::chrono::milliseconds timeout);
  static void on_commit(rd_kafka_t*, rd_kafka_resp_err_t err,
                        rd_kafka_topic_partition_list_t* offsets, void* opaque);

  // ---- held messages ---------------------------------------------------
  void pause(const Partition& p, bool on);
  // Drops held messages of `partitions` (all when empty) without committing
  // them: whoever owns the partition next gets them again.
  void drop_held(const std::vector<Partition>& partitions);

  // ---- handling (consumer_held.cpp) ------------------------------------
  HandlerResult call_handler(const rd_kafka_message_t* m, int attempt, bool exhausted);
  // Takes ownership of m.
  void handle_new(rd_kafka_message_t* m);
  // Whether the policy gives up if delivery number `attempt` fails too.
  bool is_last_delivery(int attempt, Clock::time_point first_delivery) const;
  // After a failed delivery (retry or progressed): when the next one is due.
  void schedule(Held& h, HandlerResult result);
  void handle_due_held();
  std::chrono::milliseconds poll_timeout() const;

  // ---- rebalance and lag (consumer_group.cpp) --------------------------
  static std::vector<Partition> partitions_of(const rd_kafka_topic_partition_list_t* list);
  static void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                           rd_kafka_topic_partition_list_t* partitions, void* opaque);
  static void on_error(rd_kafka_t*, int err, const char* reason, void*);
  // Uses the high watermarks librdkafka caches from its fetch responses, so
  // it costs no request.
  void update_lag();
};

}  // namespace hbsync::kafka
