// One background thread running tasks at a given time: delayed responses
// (latency, hangs) without blocking the server's few io threads, and
// simulated deliveries such as webhook retries.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <utility>

namespace hbsync::simkit {

class Scheduler {
 public:
  using Clock = std::chrono::steady_clock;

  Scheduler();
  // Pending tasks are dropped without running.
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Tasks run one at a time on the scheduler's thread, in time order; keep
  // them short (hand long work to another thread). Exceptions are logged.
  void after(std::chrono::milliseconds delay, std::function<void()> task);
  void at(Clock::time_point when, std::function<void()> task);

  size_t pending() const;
  // Drops every pending task (reset).
  void clear();

 private:
  void run();

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::multimap<std::pair<Clock::time_point, uint64_t>, std::function<void()>> tasks_;
  uint64_t seq_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace hbsync::simkit
