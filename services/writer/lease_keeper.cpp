#include "lease_keeper.hpp"

namespace hbsync::writer {

LeaseKeeper::LeaseKeeper(State& state, std::string command_id, std::string owner,
                         std::chrono::milliseconds period)
    : state_(state),
      command_id_(std::move(command_id)),
      owner_(std::move(owner)),
      period_(period),
      last_ok_(Clock::now()),
      thread_([this] { run(); }) {}

void LeaseKeeper::stop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void LeaseKeeper::hold_lock(const std::string& tenant, int64_t company_id) {
  std::lock_guard lock(mutex_);
  tenant_ = tenant;
  company_id_ = company_id;
}

void LeaseKeeper::drop_lock() {
  std::lock_guard lock(mutex_);
  company_id_ = 0;
}

void LeaseKeeper::run() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, period_, [this] { return stop_; })) {
    const std::string tenant = tenant_;
    const int64_t company = company_id_;
    lock.unlock();
    try {
      const auto started = Clock::now();
      bool ok = state_.renew(command_id_, owner_);
      if (ok && company != 0) ok = state_.renew_company_lock(tenant, company, owner_);
      if (ok) {
        last_ok_ = started;
      } else {
        lost_ = true;
      }
    } catch (const std::exception&) {
      // Redis unavailable: the next round tries again; holds() turns false
      // if it stays so for two periods.
    }
    lock.lock();
  }
}

}  // namespace hbsync::writer
