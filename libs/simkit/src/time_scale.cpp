#include "hbsync/simkit/time_scale.hpp"

#include <cmath>
#include <stdexcept>

namespace hbsync::simkit {
namespace {

double checked(double factor) {
  if (!(factor > 0.0 && factor <= 1000.0)) {
    throw std::invalid_argument("time scale factor must be > 0 and <= 1000");
  }
  return factor;
}

}  // namespace

TimeScale::TimeScale(double factor) : factor_(checked(factor)) {}

void TimeScale::set(double factor) {
  factor_.store(checked(factor));
}

std::chrono::milliseconds TimeScale::scale(std::chrono::milliseconds real) const {
  if (real.count() <= 0) return std::chrono::milliseconds(0);
  auto scaled = static_cast<int64_t>(std::llround(static_cast<double>(real.count()) * factor()));
  return std::chrono::milliseconds(scaled < 1 ? 1 : scaled);
}

}  // namespace hbsync::simkit
