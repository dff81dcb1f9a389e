#include "keeper.hpp"

#include "hbsync/log/log.hpp"

namespace hbsync::poller {

LeaseKeeper::LeaseKeeper(redis::Lease& lease) : lease_(lease), thread_([this] { loop(); }) {}

LeaseKeeper::~LeaseKeeper() {
  stop();
}

void LeaseKeeper::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void LeaseKeeper::loop() {
  const auto period = std::max(std::chrono::milliseconds(50), lease_.ttl() / 3);
  auto last_renewed = std::chrono::steady_clock::now();
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, period, [this] { return stopping_; })) {
    try {
      if (!lease_.renew()) {
        log::warn("poll lease lost", {{"lease", lease_.key()}});
        ok_ = false;
        return;
      }
      last_renewed = std::chrono::steady_clock::now();
    } catch (const std::exception& e) {
      if (std::chrono::steady_clock::now() - last_renewed >= 2 * period) {
        log::warn("poll lease not renewed", {{"lease", lease_.key()}, {"error", e.what()}});
        ok_ = false;
        return;
      }
    }
  }
}

}  // namespace hbsync::poller
