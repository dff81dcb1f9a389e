#include "delivery.hpp"

#include <algorithm>

#include "hbsync/log/log.hpp"
#include "hbsync/webhook/signature.hpp"

namespace hbsync::sim_hubspot {
namespace {

std::string_view state_name(int state) {
  static constexpr std::string_view kNames[] = {"queued", "in_flight", "retry_scheduled",
                                                "delivered", "given_up"};
  return kNames[state];
}

}  // namespace

Delivery::Delivery(Options options, simkit::TimeScale& time_scale, Sender sender)
    : options_(std::move(options)),
      time_scale_(time_scale),
      sender_(std::move(sender)),
      random_(std::random_device{}()) {
  if (options_.batch_size == 0) options_.batch_size = 1;
  if (options_.max_attempts < 1) options_.max_attempts = 1;
  int threads = std::max(1, options_.threads);
  for (int i = 0; i < threads; ++i) workers_.emplace_back([this] { worker(); });
}

Delivery::~Delivery() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_.notify_all();
  for (std::thread& t : workers_) t.join();
}

Delivery::Counts& Delivery::counts_for(int64_t portal_id) {
  return per_portal_[portal_id];
}

void Delivery::enqueue(const DeliveryTarget& target, std::vector<WebhookEvent> events) {
  if (events.empty()) return;
  std::lock_guard lock(mutex_);
  Queue& queue = queues_[{target.portal_id, target.app_id}];
  queue.target = target;  // the newest settings apply to batches formed from now on
  auto n = static_cast<int64_t>(events.size());
  totals_.events_pending += n;
  counts_for(target.portal_id).events_pending += n;
  for (WebhookEvent& e : events) queue.waiting.push_back(std::move(e));
  pump(queue);
}

uint64_t Delivery::new_batch(Queue& queue, std::vector<WebhookEvent> events,
                             uint64_t duplicate_of) {
  Batch batch;
  batch.id = next_batch_id_++;
  batch.target = queue.target;
  batch.events = std::move(events);
  batch.duplicate_of = duplicate_of;
  batch.created_ms = webhook::unix_millis();
  auto n = static_cast<int64_t>(batch.events.size());
  Counts& portal = counts_for(batch.target.portal_id);
  ++totals_.batches_pending;
  ++portal.batches_pending;
  if (duplicate_of != 0) {
    // A duplicate carries the same events again: they are pending twice.
    totals_.events_pending += n;
    portal.events_pending += n;
    ++totals_.duplicates;
    ++portal.duplicates;
  }
  uint64_t id = batch.id;
  batches_.emplace(id, std::move(batch));
  return id;
}

void Delivery::pump(Queue& queue) {
  while (!paused_ && !stopping_ && queue.in_flight < std::max(1, queue.target.max_concurrent)) {
    uint64_t id = 0;
    if (!queue.ready.empty()) {
      size_t pick = 0;
      if (reorder_)
        pick = std::uniform_int_distribution<size_t>(0, queue.ready.size() - 1)(random_);
      id = queue.ready[pick];
      queue.ready.erase(queue.ready.begin() + static_cast<std::ptrdiff_t>(pick));
    } else if (!queue.waiting.empty()) {
      if (reorder_) std::shuffle(queue.waiting.begin(), queue.waiting.end(), random_);
      size_t n = std::min(options_.batch_size, queue.waiting.size());
      std::vector<WebhookEvent> events(
          std::make_move_iterator(queue.waiting.begin()),
          std::make_move_iterator(queue.waiting.begin() + static_cast<std::ptrdiff_t>(n)));
      queue.waiting.erase(queue.waiting.begin(),
                          queue.waiting.begin() + static_cast<std::ptrdiff_t>(n));
      std::vector<WebhookEvent> copy;
      bool duplicate =
          duplicate_ > 0 && std::uniform_real_distribution<double>(0, 1)(random_) < duplicate_;
      if (duplicate) copy = events;
      id = new_batch(queue, std::move(events), 0);
      if (duplicate) queue.ready.push_back(new_batch(queue, std::move(copy), id));
    } else {
      break;
    }
    Batch& batch = batches_.at(id);
    batch.state = State::in_flight;
    ++queue.in_flight;
    ++totals_.batches_in_flight;
    ++counts_for(batch.target.portal_id).batches_in_flight;
    jobs_.push_back({id, generation_});
    work_.notify_one();
  }
}

void Delivery::worker() {
  for (;;) {
    Job job{};
    Request request;
    int attempt_number = 0;
    {
      std::unique_lock lock(mutex_);
      work_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (stopping_) return;
      job = jobs_.front();
      jobs_.pop_front();
      auto it = batches_.find(job.batch_id);
      if (job.generation != generation_ || it == batches_.end()) continue;
      const Batch& batch = it->second;
      attempt_number = static_cast<int>(batch.attempts.size());
      request.url = batch.target.url;
      request.timeout = options_.timeout;
      request.body = batch_body(batch.events, attempt_number);
      // Fresh per attempt, as HubSpot does: a retry is signed anew.
      int64_t timestamp = webhook::unix_millis();
      request.headers.set("Content-Type", "application/json");
      request.headers.set("User-Agent", "HubSpot Connect 2.0 (http://dev.hubspot.com/)");
      request.headers.set("X-HubSpot-Request-Timestamp", std::to_string(timestamp));
      request.headers.set(
          "X-HubSpot-Signature-v3",
          webhook::sign_v3(batch.target.secret, "POST", request.url, request.body, timestamp));
      request.headers.set("X-HubSpot-Signature",
                          webhook::sign_v1(batch.target.secret, request.body));
      request.headers.set("X-HubSpot-Signature-Version", "v1");
    }
    Attempt attempt;
    attempt.number = attempt_number;
    attempt.at_ms = webhook::unix_millis();
    auto started = std::chrono::steady_clock::now();
    Outcome outcome;
    try {
      outcome = sender_(request);
    } catch (const std::exception& e) {
      outcome.error = e.what();
    }
    attempt.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::steady_clock::now() - started)
                              .count();
    attempt.status = outcome.status;
    attempt.error = outcome.error;
    finish(job, std::move(attempt));
  }
}

std::chrono::milliseconds Delivery::backoff_after(int failed_attempts) {
  if (options_.backoff.empty()) return time_scale_.scale(std::chrono::milliseconds(1000));
  size_t i =
      std::min(static_cast<size_t>(std::max(failed_attempts, 1) - 1), options_.backoff.size() - 1);
  double jitter = std::uniform_real_distribution<double>(0.75, 1.25)(random_);
  auto base = static_cast<double>(options_.backoff[i].count());
  return time_scale_.scale(std::chrono::milliseconds(static_cast<int64_t>(base * jitter)));
}

void Delivery::retire(Batch& batch, State state) {
  batch.state = state;
  auto n = static_cast<int64_t>(batch.events.size());
  Counts& portal = counts_for(batch.target.portal_id);
  for (Counts* c : {&totals_, &portal}) {
    --c->batches_pending;
    c->events_pending -= n;
    if (state == State::delivered) {
      ++c->batches_delivered;
      c->events_delivered += n;
    } else {
      ++c->batches_given_up;
      c->events_given_up += n;
    }
  }
  finished_.push_back(batch.id);
  while (finished_.size() > options_.kept_records) {
    batches_.erase(finished_.front());
    finished_.pop_front();
  }
}

void Delivery::finish(const Job& job, Attempt attempt) {
  std::lock_guard lock(mutex_);
  auto it = batches_.find(job.batch_id);
  if (job.generation != generation_ || it == batches_.end()) return;
  Batch& batch = it->second;
  bool ok = attempt.status >= 200 && attempt.status < 300;
  Counts& portal = counts_for(batch.target.portal_id);
  for (Counts* c : {&totals_, &portal}) {
    ++c->attempts;
    if (!ok) ++c->failed_attempts;
    --c->batches_in_flight;
  }
  batch.attempts.push_back(attempt);
  Queue& queue = queues_[{batch.target.portal_id, batch.target.app_id}];
  --queue.in_flight;
  if (ok) {
    retire(batch, State::delivered);
  } else if (static_cast<int>(batch.attempts.size()) < options_.max_attempts) {
    batch.state = State::retry_scheduled;
    ++scheduled_retries_;
    auto delay = backoff_after(static_cast<int>(batch.attempts.size()));
    uint64_t id = batch.id;
    uint64_t generation = generation_;
    scheduler_.after(delay, [this, id, generation] {
      std::lock_guard inner(mutex_);
      if (generation != generation_) return;
      --scheduled_retries_;
      auto b = batches_.find(id);
      if (b == batches_.end()) return;
      b->second.state = State::queued;
      Queue& q = queues_[{b->second.target.portal_id, b->second.target.app_id}];
      q.ready.push_back(id);
      pump(q);
    });
  } else {
    log::warn("webhook batch given up",
              {{"portal_id", batch.target.portal_id},
               {"app_id", batch.target.app_id},
               {"batch_id", batch.id},
               {"attempts", static_cast<int64_t>(batch.attempts.size())}});
    retire(batch, State::given_up);
  }
  pump(queue);
}

void Delivery::set_paused(bool paused) {
  std::lock_guard lock(mutex_);
  paused_ = paused;
  if (!paused_) {
    for (auto& [key, queue] : queues_) pump(queue);
  }
}

void Delivery::set_duplicate(double probability) {
  std::lock_guard lock(mutex_);
  duplicate_ = std::clamp(probability, 0.0, 1.0);
}

void Delivery::set_reorder(bool reorder) {
  std::lock_guard lock(mutex_);
  reorder_ = reorder;
}

bool Delivery::paused() const {
  std::lock_guard lock(mutex_);
  return paused_;
}

bool Delivery::idle() const {
  std::lock_guard lock(mutex_);
  return totals_.events_pending == 0 && totals_.batches_pending == 0 && scheduled_retries_ == 0;
}

Delivery::Counts Delivery::counts(std::optional<int64_t> portal_id) const {
  std::lock_guard lock(mutex_);
  if (!portal_id) return totals_;
  auto it = per_portal_.find(*portal_id);
  return it == per_portal_.end() ? Counts{} : it->second;
}

std::string Delivery::to_json(std::optional<int64_t> portal_id, size_t limit) const {
  std::lock_guard lock(mutex_);
  Counts c = totals_;
  if (portal_id) {
    auto it = per_portal_.find(*portal_id);
    c = it == per_portal_.end() ? Counts{} : it->second;
  }
  return write_json([&](JsonWriter& w) {
    w.StartObject();
    key(w, "paused");
    w.Bool(paused_);
    key(w, "duplicate");
    w.Double(duplicate_);
    key(w, "reorder");
    w.Bool(reorder_);
    key(w, "pending");
    w.Int64(c.batches_pending);
    key(w, "in_flight");
    w.Int64(c.batches_in_flight);
    key(w, "delivered");
    w.Int64(c.batches_delivered);
    key(w, "given_up");
    w.Int64(c.batches_given_up);
    key(w, "duplicates");
    w.Int64(c.duplicates);
    key(w, "attempts");
    w.Int64(c.attempts);
    key(w, "failed_attempts");
    w.Int64(c.failed_attempts);
    key(w, "events");
    w.StartObject();
    key(w, "pending");
    w.Int64(c.events_pending);
    key(w, "delivered");
    w.Int64(c.events_delivered);
    key(w, "given_up");
    w.Int64(c.events_given_up);
    w.EndObject();
    key(w, "batches");
    w.StartArray();
    std::vector<const Batch*> selected;
    for (auto it = batches_.rbegin(); it != batches_.rend() && selected.size() < limit; ++it) {
      if (!portal_id || it->second.target.portal_id == *portal_id) selected.push_back(&it->second);
    }
    for (auto it = selected.rbegin(); it != selected.rend(); ++it) {
      const Batch& b = **it;
      w.StartObject();
      key(w, "id");
      w.Uint64(b.id);
      key(w, "portalId");
      w.Int64(b.target.portal_id);
      key(w, "appId");
      w.Int64(b.target.app_id);
      key(w, "url");
      string(w, b.target.url);
      key(w, "state");
      string(w, state_name(static_cast<int>(b.state)));
      if (b.duplicate_of != 0) {
        key(w, "duplicateOf");
        w.Uint64(b.duplicate_of);
      }
      key(w, "createdAt");
      w.Int64(b.created_ms);
      key(w, "eventIds");
      w.StartArray();
      for (const WebhookEvent& e : b.events) w.Int64(e.event_id);
      w.EndArray();
      key(w, "attempts");
      w.StartArray();
      for (const Attempt& a : b.attempts) {
        w.StartObject();
        key(w, "attemptNumber");
        w.Int(a.number);
        key(w, "at");
        w.Int64(a.at_ms);
        key(w, "durationMs");
        w.Int64(a.duration_ms);
        key(w, "status");
        w.Int(a.status);
        if (!a.error.empty()) {
          key(w, "error");
          string(w, a.error);
        }
        w.EndObject();
      }
      w.EndArray();
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  });
}

void Delivery::reset() {
  scheduler_.clear();
  std::lock_guard lock(mutex_);
  ++generation_;
  queues_.clear();
  batches_.clear();
  finished_.clear();
  jobs_.clear();
  scheduled_retries_ = 0;
  totals_ = Counts{};
  per_portal_.clear();
  paused_ = false;
  duplicate_ = 0.0;
  reorder_ = false;
}

}  // namespace hbsync::sim_hubspot
