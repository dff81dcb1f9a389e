#include "hbsync/simkit/scheduler.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <vector>

#include "hbsync/testing/wait.hpp"

namespace hbsync::simkit {
namespace {

using namespace std::chrono_literals;

bool eventually(const std::function<bool()>& condition) {
  return hbsync::testing::wait_until(condition, 5s, 5ms);
}

TEST(Scheduler, RunsTasksInTimeOrder) {
  Scheduler scheduler;
  std::mutex mutex;
  std::vector<int> order;
  auto push = [&](int n) {
    return [&, n] {
      std::lock_guard lock(mutex);
      order.push_back(n);
    };
  };
  scheduler.after(60ms, push(3));
  scheduler.after(20ms, push(2));
  scheduler.after(0ms, push(1));
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(mutex);
    return order.size() == 3;
  }));
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

TEST(Scheduler, ClearDropsPendingTasks) {
  Scheduler scheduler;
  std::atomic<int> ran{0};
  scheduler.after(200ms, [&] { ++ran; });
  EXPECT_EQ(scheduler.pending(), 1u);
  scheduler.clear();
  EXPECT_EQ(scheduler.pending(), 0u);
  // Tasks run in time order: once a marker due after the cleared task has
  // run, the cleared task would have run too.
  std::atomic<bool> marker{false};
  scheduler.after(250ms, [&] { marker = true; });
  ASSERT_TRUE(eventually([&] { return marker.load(); }));
  EXPECT_EQ(ran.load(), 0);
}

TEST(Scheduler, ATaskThatThrowsDoesNotStopTheThread) {
  Scheduler scheduler;
  std::atomic<bool> ran{false};
  scheduler.after(0ms, [] { throw std::runtime_error("boom"); });
  scheduler.after(10ms, [&] { ran = true; });
  EXPECT_TRUE(eventually([&] { return ran.load(); }));
}

TEST(Scheduler, DestructorDropsPendingTasks) {
  std::atomic<int> ran{0};
  {
    Scheduler scheduler;
    scheduler.after(10s, [&] { ++ran; });
  }
  EXPECT_EQ(ran.load(), 0);
}

}  // namespace
}  // namespace hbsync::simkit
