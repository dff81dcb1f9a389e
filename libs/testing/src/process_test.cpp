#include "hbsync/testing/process.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace hbsync::testing {
namespace {

TEST(ProcessTest, ReportsExitCode) {
  Process p({"/bin/sh", "-c", "exit 3"});
  EXPECT_EQ(p.wait(std::chrono::seconds(5)), 3);
}

TEST(ProcessTest, SignalEndsProcessAndExtraEnvIsPassed) {
  const std::string marker = ::testing::TempDir() + "process-test-env";
  std::remove(marker.c_str());
  Process p({"/bin/sh", "-c",
             "[ \"$UNITTEST_X\" = yes ] && echo \"$UNITTEST_X\" > " + marker + " && exec sleep 30"},
            {{"UNITTEST_X", "yes"}});
  // The shell saw the variable once it wrote the marker.
  ASSERT_TRUE(wait_until(
      [&] {
        std::ifstream in(marker);
        std::string line;
        return std::getline(in, line) && line == "yes";
      },
      std::chrono::seconds(5)));
  EXPECT_TRUE(p.running());
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(std::chrono::seconds(5)), 128 + SIGTERM);
}

TEST(ProcessTest, FreePortsDiffer) {
  auto a = free_port();
  auto b = free_port();
  EXPECT_GT(a, 0);
  EXPECT_GT(b, 0);
}

TEST(ProcessTest, WaitUntilTimesOut) {
  EXPECT_FALSE(wait_until([] { return false; }, std::chrono::milliseconds(50)));
  EXPECT_TRUE(wait_until([] { return true; }, std::chrono::milliseconds(50)));
}

}  // namespace
}  // namespace hbsync::testing
