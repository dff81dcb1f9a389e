#include "hbsync/testing/wait.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace hbsync::testing {

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
                std::chrono::milliseconds interval) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return condition();
    std::this_thread::sleep_for(interval);
  }
}

bool wait_for(const std::string& what, const std::function<bool()>& condition,
              std::chrono::milliseconds timeout, const std::function<std::string()>& describe,
              std::chrono::milliseconds interval) {
  if (wait_until(condition, timeout, interval)) return true;
  ADD_FAILURE() << "timed out after "
                << std::chrono::duration_cast<std::chrono::seconds>(timeout).count()
                << " s waiting for " << what << (describe ? "\nlast seen: " + describe() : "");
  return false;
}

}  // namespace hbsync::testing
