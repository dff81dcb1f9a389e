// The claim's lease while a command is worked on, and the fence every API
// call passes (SPEC section 3 Reliability: exactly once).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include "state.hpp"

namespace hbsync::writer {

// Thrown by the fence when the claim may be another writer's: the command is
// retried later (that writer finishes it), never dead-lettered from here.
class ClaimLost : public std::runtime_error {
 public:
  ClaimLost() : std::runtime_error("the claim was taken over") {}
};

// Renews a command's claim, and the company lock it holds, every `period`
// while the command is worked on, so a slow call (rate-limit waits, retries)
// cannot outlive a lease and let a second writer in. holds() is false once a
// renewal found another owner, or when no renewal has succeeded for two
// periods (Redis unreachable: the leases, three periods long, may be about to
// run out). No Redis round trip per call.
class LeaseKeeper {
 public:
  using Clock = std::chrono::steady_clock;

  LeaseKeeper(State& state, std::string command_id, std::string owner,
              std::chrono::milliseconds period);
  ~LeaseKeeper() { stop(); }
  LeaseKeeper(const LeaseKeeper&) = delete;
  LeaseKeeper& operator=(const LeaseKeeper&) = delete;

  // Before the claim is completed, failed or released: a renewal after a
  // release would hold the command back for a whole lease.
  void stop();

  void hold_lock(const std::string& tenant, int64_t company_id);
  void drop_lock();
  bool holds() const { return !lost_.load() && Clock::now() - last_ok_.load() < 2 * period_; }
  // The fence: throws ClaimLost unless holds().
  void check() const {
    if (!holds()) throw ClaimLost();
  }

 private:
  void run();

  State& state_;
  const std::string command_id_;
  const std::string owner_;
  const std::chrono::milliseconds period_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::string tenant_;
  int64_t company_id_ = 0;
  std::atomic<bool> lost_{false};
  std::atomic<Clock::time_point> last_ok_;
  std::thread thread_;  // last: starts after every member above exists
};

}  // namespace hbsync::writer
