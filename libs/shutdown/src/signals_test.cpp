#include "hbsync/shutdown/signals.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <thread>

namespace hbsync::shutdown {
namespace {

// A program started with `&` by a shell inherits SIGINT ignored; an ignored
// signal is discarded, so without block_signals() taking it back to its
// default the wait() below would never return (ctest's timeout fails it).
TEST(ShutdownSignalsTest, WaitsForASignalThatWasIgnoredAtStart) {
  ::signal(SIGINT, SIG_IGN);
  block_signals();
  std::thread sender([] { ::kill(::getpid(), SIGINT); });
  sender.join();
  EXPECT_EQ(wait(), SIGINT);
  std::thread sender2([] { ::kill(::getpid(), SIGTERM); });  // blocked here too
  sender2.join();
  EXPECT_EQ(wait(), SIGTERM);
  EXPECT_STREQ(name(SIGTERM), "SIGTERM");
  EXPECT_STREQ(name(SIGINT), "SIGINT");
}

}  // namespace
}  // namespace hbsync::shutdown
