// The schedule of every tenant (SPEC F4.1): the daily run (schedule.time in
// schedule.time_zone, 03:00 Asia/Tokyo by default) and the optional interval
// (schedule.interval_minutes), as SyncRequests (SCHEDULED / INTERVAL) on
// sync.requests keyed by tenant; the poller's consumer runs them.
//
// Every poller replica ticks (HBSYNC_POLLER_TICK); each scheduled run fires
// once across all of them: the tenant's next run time lives in Redis
// (poll::keys::next_run) and only the replica whose compare-and-set moves
// it from the due time to the next one publishes. The next time is the first
// one strictly after now, so runs missed while every poller was down become
// one run when a poller comes back, not one per missed day. A tenant seen for
// the first time (or whose schedule changed) gets its next time without a
// run. A request that cannot be published puts the due time back.
//
// The clock is injected (tests move it across days).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>

#include "hbsync/redis/redis.hpp"
#include "hbsync/tenant/store.hpp"
#include "hbsync/v1/events.pb.h"

namespace hbsync::poller {

class Scheduler {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;
  // Publishes the request; true when Kafka acknowledged it.
  using Publish = std::function<bool(const v1::SyncRequest&)>;

  // Everything must outlive the scheduler.
  Scheduler(
      redis::Client& redis, tenant::Store& store, Publish publish,
      Clock clock = [] { return std::chrono::system_clock::now(); });

  // One pass over every tenant: publishes what is due; returns how many.
  // Errors of one tenant are logged and do not stop the others.
  int tick();

  // The worker: tick() every `every` until stop() (from another thread).
  void run(std::chrono::milliseconds every);
  void stop();

 private:
  // Due -> true when this replica won the due time and published the request.
  bool fire(const std::string& tenant_id, const std::string& field, const std::string& due,
            std::chrono::system_clock::time_point next, const std::string& signature,
            v1::SyncRequest::Kind kind);
  int tick_tenant(const tenant::Settings& settings, std::chrono::system_clock::time_point now);

  redis::Client& redis_;
  tenant::Store& store_;
  Publish publish_;
  Clock clock_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
};

}  // namespace hbsync::poller
