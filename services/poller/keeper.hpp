// Keeps a held redis::Lease alive while a run works: renews it every third of
// its ttl on a thread of its own, so a slow board page (rate-limit waits,
// retries) cannot outlive it. ok() turns false for good once a renewal found
// the lease gone or taken (the run then stops at its next fence check) or
// none succeeded for two periods (Redis unreachable: another poller may take
// over when the ttl ends).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "hbsync/redis/lease.hpp"

namespace hbsync::poller {

class LeaseKeeper {
 public:
  explicit LeaseKeeper(redis::Lease& lease);
  ~LeaseKeeper();  // stops the thread
  LeaseKeeper(const LeaseKeeper&) = delete;
  LeaseKeeper& operator=(const LeaseKeeper&) = delete;

  bool ok() const { return ok_.load(); }
  void stop();

 private:
  void loop();

  redis::Lease& lease_;
  std::atomic<bool> ok_{true};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace hbsync::poller
