// Consumer::Impl: closing, offsets and commits, pausing and dropping held
// messages, rebalances and lag.
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <cstring>

#include "consumer_impl.hpp"
#include "hbsync/log/log.hpp"
#include "hbsync/metrics/metrics.hpp"

namespace hbsync::kafka {

using std::chrono::milliseconds;

Consumer::Impl::~Impl() {
  drop_held({});
  if (rk != nullptr && !closed) close(milliseconds(5000));
  if (queue != nullptr) rd_kafka_queue_destroy(queue);
  if (rk != nullptr) {
    // After a close that gave up, destroy must not try to close again.
    rd_kafka_destroy_flags(rk, closed_cleanly ? 0 : RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
  }
}

void Consumer::Impl::close(milliseconds timeout) {
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

void Consumer::Impl::store(const rd_kafka_message_t* m) {
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, rd_kafka_topic_name(m->rkt), m->partition)->offset =
      m->offset + 1;
  rd_kafka_resp_err_t err = rd_kafka_offsets_store(rk, list);
  rd_kafka_topic_partition_list_destroy(list);
  // __STATE: the partition was revoked meanwhile; its new owner redoes it.
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) uncommitted = true;
}

void Consumer::Impl::commit_async() {
  if (!uncommitted) return;
  uncommitted = false;
  rd_kafka_resp_err_t err = rd_kafka_commit(rk, nullptr, 1);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR__NO_OFFSET) {
    uncommitted = true;
    log::warn("kafka commit failed to start", {{"error", rd_kafka_err2name(err)}});
  }
}

void Consumer::Impl::commit_sync(milliseconds timeout) {
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

void Consumer::Impl::on_commit(rd_kafka_t*, rd_kafka_resp_err_t err,
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

void Consumer::Impl::pause(const Partition& p, bool on) {
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, p.first.c_str(), p.second);
  if (on) {
    rd_kafka_pause_partitions(rk, list);
  } else {
    rd_kafka_resume_partitions(rk, list);
  }
  rd_kafka_topic_partition_list_destroy(list);
}

void Consumer::Impl::drop_held(const std::vector<Partition>& partitions) {
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

std::vector<Partition> Consumer::Impl::partitions_of(const rd_kafka_topic_partition_list_t* list) {
  std::vector<Partition> out;
  for (int i = 0; list != nullptr && i < list->cnt; ++i) {
    out.emplace_back(list->elems[i].topic, list->elems[i].partition);
  }
  return out;
}

void Consumer::Impl::on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
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

void Consumer::Impl::on_error(rd_kafka_t*, int err, const char* reason, void*) {
  // Connection failures are already in librdkafka's own log lines.
  if (err == RD_KAFKA_RESP_ERR__TRANSPORT) return;
  log::warn(
      "kafka consumer error",
      {{"error", rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err))}, {"detail", reason}});
}

void Consumer::Impl::update_lag() {
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
        .kafka_consumer_lag.Add({{"topic", tp.topic}, {"partition", std::to_string(tp.partition)}})
        .Set(static_cast<double>(std::max<int64_t>(0, high - tp.offset)));
  }
  rd_kafka_topic_partition_list_destroy(list);
}

}  // namespace hbsync::kafka
