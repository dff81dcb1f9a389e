#include "hbsync/simkit/scheduler.hpp"

#include <exception>

#include "hbsync/log/log.hpp"

namespace hbsync::simkit {

Scheduler::Scheduler() : thread_([this] { run(); }) {}

Scheduler::~Scheduler() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void Scheduler::after(std::chrono::milliseconds delay, std::function<void()> task) {
  at(Clock::now() + delay, std::move(task));
}

void Scheduler::at(Clock::time_point when, std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    tasks_.emplace(std::make_pair(when, seq_++), std::move(task));
  }
  wake_.notify_all();
}

size_t Scheduler::pending() const {
  std::lock_guard lock(mutex_);
  return tasks_.size();
}

void Scheduler::clear() {
  decltype(tasks_) dropped;
  {
    std::lock_guard lock(mutex_);
    dropped.swap(tasks_);
  }
  // Destroyed outside the lock: a dropped task may own a Responder whose
  // destructor answers the request.
}

void Scheduler::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (tasks_.empty()) {
      wake_.wait(lock);
      continue;
    }
    auto next = tasks_.begin();
    if (next->first.first > Clock::now()) {
      wake_.wait_until(lock, next->first.first);
      continue;
    }
    std::function<void()> task = std::move(next->second);
    tasks_.erase(next);
    lock.unlock();
    try {
      task();
    } catch (const std::exception& e) {
      log::error("scheduled task failed", {{"error", e.what()}});
    }
    task = nullptr;
    lock.lock();
  }
  decltype(tasks_) dropped;
  dropped.swap(tasks_);
  lock.unlock();
}

}  // namespace hbsync::simkit
