// The one polling helper for tests: wait on a condition with a deadline
// instead of sleeping a fixed time. To prove something did NOT happen, wait
// for a quiescence signal (consumer lag 0, the e2e Stack's wait_idle()), not
// for a while.
#pragma once

#include <chrono>
#include <functional>
#include <string>

namespace hbsync::testing {

// Polls `condition` every `interval` until it holds (true) or `timeout`
// passes (false). The condition is checked once more at the deadline.
bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
                std::chrono::milliseconds interval = std::chrono::milliseconds(20));

// wait_until(), and on timeout records a gtest failure "timed out after N s
// waiting for <what>" plus `describe()` (the state seen last); returns false.
bool wait_for(const std::string& what, const std::function<bool()>& condition,
              std::chrono::milliseconds timeout,
              const std::function<std::string()>& describe = nullptr,
              std::chrono::milliseconds interval = std::chrono::milliseconds(100));

}  // namespace hbsync::testing
