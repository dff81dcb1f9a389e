// Counts the API calls a simulator answered, so tests can prove how many
// calls a client made and that it stayed under a rate limit.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>

namespace hbsync::simkit {

class CallCounter {
 public:
  using Clock = std::chrono::steady_clock;

  // `peak_window`: the window in which the busiest stretch of each account is
  // measured (board: 1 s for its 3 req/s limit).
  explicit CallCounter(std::chrono::milliseconds peak_window = std::chrono::seconds(1));

  // One answered request. `account` is the API key / portal it was made
  // with ("" when it had none); `arrived` is when it reached the simulator,
  // which is what a client's rate limiter controls.
  void record(const std::string& account, const std::string& method, const std::string& route,
              int status, Clock::time_point arrived = Clock::now());

  int64_t total() const;
  // Calls with this "METHOD route" (any account), optionally only one status.
  int64_t count(const std::string& method_route, int status = 0) const;
  int64_t count_for(const std::string& account, const std::string& method_route,
                    int status = 0) const;
  // Most calls of this account that arrived within any one peak window.
  int64_t peak(const std::string& account) const;

  void reset();

  // {"total":N,"peak_window_ms":1000,
  //  "routes":{"GET /v1/clients":{"200":3,"429":1}},
  //  "accounts":{"key":{"total":4,"max_in_window":3,
  //                     "routes":{"GET /v1/clients":{"200":3,"429":1}}}}}
  // Calls without an account appear only in the top-level counts.
  std::string to_json() const;

 private:
  using ByStatus = std::map<int, int64_t>;
  using ByRoute = std::map<std::string, ByStatus>;
  struct Account {
    int64_t total = 0;
    ByRoute routes;
    std::deque<Clock::time_point> recent;  // arrivals inside the last window
    int64_t peak = 0;
  };

  std::chrono::milliseconds peak_window_;
  mutable std::mutex mutex_;
  int64_t total_ = 0;
  ByRoute routes_;
  std::map<std::string, Account> accounts_;
};

}  // namespace hbsync::simkit
