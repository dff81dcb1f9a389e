// HubSpot-style webhook delivery: events queue per (portal, app), leave in
// batches of at most batch_size, at most max_concurrent requests in flight per
// queue, each attempt signed afresh (v3 + legacy v1). A failed attempt (no 2xx
// in time, refused connection) is retried after the backoff schedule, scaled
// by the time scale, with attemptNumber counting up; after max_attempts the
// batch is given up. Switches pause delivery, duplicate and reorder batches.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "hbsync/http/message.hpp"
#include "hbsync/simkit/scheduler.hpp"
#include "hbsync/simkit/time_scale.hpp"
#include "webhook_event.hpp"

namespace hbsync::sim_hubspot {

struct DeliveryTarget {
  int64_t portal_id = 0;
  int64_t app_id = 0;
  std::string url;
  std::string secret;  // the app's client secret
  int max_concurrent = 10;
};

class Delivery {
 public:
  struct Options {
    size_t batch_size = 100;
    int max_attempts = 10;
    std::chrono::milliseconds timeout{5000};
    // Wait before attempt n+1 after attempt n failed (the last entry repeats);
    // each wait is jittered by +-25% and multiplied by the time scale.
    std::vector<std::chrono::milliseconds> backoff;
    int threads = 32;
    size_t kept_records = 2000;  // finished batches remembered for GET /_sim/webhooks
  };

  struct Request {
    std::string url;
    http::Headers headers;
    std::string body;
    std::chrono::milliseconds timeout{0};
  };
  struct Outcome {
    int status = 0;     // 0: no HTTP answer
    std::string error;  // transport error (refused, timeout, ...)
  };
  // Sends one attempt; blocking, called from the delivery threads.
  using Sender = std::function<Outcome(const Request&)>;

  Delivery(Options options, simkit::TimeScale& time_scale, Sender sender);
  ~Delivery();
  Delivery(const Delivery&) = delete;
  Delivery& operator=(const Delivery&) = delete;

  void enqueue(const DeliveryTarget& target, std::vector<WebhookEvent> events);

  void set_paused(bool paused);
  // Probability (0..1) that a batch is delivered twice.
  void set_duplicate(double probability);
  void set_reorder(bool reorder);

  // Nothing waiting, in flight or scheduled for a retry.
  bool idle() const;
  bool paused() const;

  struct Counts {
    int64_t events_pending = 0;
    int64_t events_delivered = 0;
    int64_t events_given_up = 0;
    int64_t batches_pending = 0;  // queued, in flight or waiting for a retry
    int64_t batches_in_flight = 0;
    int64_t batches_delivered = 0;
    int64_t batches_given_up = 0;
    int64_t duplicates = 0;
    int64_t attempts = 0;
    int64_t failed_attempts = 0;
  };
  Counts counts(std::optional<int64_t> portal_id = std::nullopt) const;
  // Counts, switches and the newest `limit` batch records (with attempts).
  std::string to_json(std::optional<int64_t> portal_id, size_t limit) const;

  // Drops everything queued or scheduled; attempts still running finish
  // unrecorded. Counters back to zero, switches off.
  void reset();

 private:
  struct Attempt {
    int number = 0;
    int64_t at_ms = 0;
    int64_t duration_ms = 0;
    int status = 0;
    std::string error;
  };
  enum class State { queued, in_flight, retry_scheduled, delivered, given_up };
  struct Batch {
    uint64_t id = 0;
    DeliveryTarget target;
    std::vector<WebhookEvent> events;
    State state = State::queued;
    std::vector<Attempt> attempts;
    uint64_t duplicate_of = 0;
    int64_t created_ms = 0;
  };
  using QueueKey = std::pair<int64_t, int64_t>;  // portal, app
  struct Queue {
    DeliveryTarget target;
    std::deque<WebhookEvent> waiting;
    std::deque<uint64_t> ready;  // batches due (new duplicates, retries)
    int in_flight = 0;
  };
  struct Job {
    uint64_t batch_id;
    uint64_t generation;
  };

  void pump(Queue& queue);  // with mutex_ held
  uint64_t new_batch(Queue& queue, std::vector<WebhookEvent> events, uint64_t duplicate_of);
  void worker();
  void finish(const Job& job, Attempt attempt);
  void retire(Batch& batch, State state);
  std::chrono::milliseconds backoff_after(int failed_attempts);
  Counts& counts_for(int64_t portal_id);

  Options options_;
  simkit::TimeScale& time_scale_;
  Sender sender_;

  mutable std::mutex mutex_;
  std::condition_variable work_;
  bool stopping_ = false;
  bool paused_ = false;
  double duplicate_ = 0.0;
  bool reorder_ = false;
  uint64_t generation_ = 1;
  uint64_t next_batch_id_ = 1;
  std::map<QueueKey, Queue> queues_;
  std::map<uint64_t, Batch> batches_;
  std::deque<uint64_t> finished_;  // retired batch ids, oldest first
  std::deque<Job> jobs_;
  int64_t scheduled_retries_ = 0;
  Counts totals_;
  std::map<int64_t, Counts> per_portal_;
  std::mt19937_64 random_;
  std::vector<std::thread> workers_;
  simkit::Scheduler scheduler_;  // last: stops before the state it touches goes
};

}  // namespace hbsync::sim_hubspot
