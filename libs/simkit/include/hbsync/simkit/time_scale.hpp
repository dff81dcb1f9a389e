// Simulated waits (webhook retry backoff, token lifetimes) are multiplied by
// a factor so tests can run hours of real-API behaviour in seconds.
#pragma once

#include <atomic>
#include <chrono>

namespace hbsync::simkit {

class TimeScale {
 public:
  // Throws std::invalid_argument unless 0 < factor <= 1000.
  explicit TimeScale(double factor = 1.0);

  double factor() const { return factor_.load(); }
  void set(double factor);  // same bounds as the constructor
  // `real` * factor, at least 1 ms when `real` is positive.
  std::chrono::milliseconds scale(std::chrono::milliseconds real) const;

 private:
  std::atomic<double> factor_;
};

}  // namespace hbsync::simkit
