#include "hbsync/simkit/time_scale.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace hbsync::simkit {
namespace {

using std::chrono::milliseconds;

TEST(TimeScale, ScalesAndKeepsPositiveWaitsPositive) {
  TimeScale scale(0.01);
  EXPECT_EQ(scale.scale(milliseconds(60000)), milliseconds(600));
  EXPECT_EQ(scale.scale(milliseconds(10)), milliseconds(1));
  EXPECT_EQ(scale.scale(milliseconds(0)), milliseconds(0));
  scale.set(1.0);
  EXPECT_EQ(scale.scale(milliseconds(1234)), milliseconds(1234));
}

TEST(TimeScale, RejectsNonPositiveFactors) {
  EXPECT_THROW(TimeScale(0.0), std::invalid_argument);
  TimeScale scale;
  EXPECT_THROW(scale.set(-1), std::invalid_argument);
  EXPECT_DOUBLE_EQ(scale.factor(), 1.0);
}

}  // namespace
}  // namespace hbsync::simkit
