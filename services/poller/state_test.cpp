// The poller's fenced Redis writes (state.hpp) against a real redis-server:
// a run that lost its lease, or an older holder, writes nothing.
#include "state.hpp"

#include <gtest/gtest.h>

#include "hbsync/poll/keys.hpp"
#include "hbsync/redis/lease.hpp"
#include "hbsync/testing/redis_server.hpp"
#include "hbsync/testing/wait.hpp"

namespace hbsync::poller {
namespace {

using namespace std::chrono_literals;

class StateTest : public ::testing::Test {
 protected:
  StateTest() : redis_(options()), state_(redis_) {}
  redis::Options options() {
    redis::Options o;
    o.url = server_.url();
    return o;
  }
  static Fence fence_of(const redis::Lease& lease) {
    return {.lease_key = lease.key(), .token = lease.token(), .number = lease.fence()};
  }

  hbsync::testing::RedisServer server_;
  redis::Client redis_;
  State state_;
};

TEST_F(StateTest, TheHolderWritesAndReadsBack) {
  redis::Lease lease(redis_, poll::keys::run_lease("7"), 60s);
  ASSERT_TRUE(lease.try_acquire_fenced());
  const Fence f = fence_of(lease);
  ProjectState s{.order_status = 5, .updated_ms = 10, .published = true, .invoices = {{1, 3, 9}}};
  ASSERT_TRUE(state_.remember("7", f, {{42, s}}));
  ASSERT_TRUE(state_.commit("7", f, {.projects_ms = 10, .invoices_ms = 9, .full_ms = 5}));
  auto back = state_.remembered("7", {42, 43});
  ASSERT_TRUE(back[42]);
  EXPECT_TRUE(back[42]->same_data(s));
  EXPECT_FALSE(back[43]);
  const Watermarks w = state_.watermarks("7");
  EXPECT_EQ(w.projects_ms, 10);
  EXPECT_EQ(w.invoices_ms, 9);
  EXPECT_EQ(w.full_ms, 5);
  EXPECT_TRUE(state_.holds(f));
}

TEST_F(StateTest, ALostLeaseOrAnOlderFenceWritesNothing) {
  redis::Lease old_holder(redis_, poll::keys::run_lease("7"), 200ms);
  ASSERT_TRUE(old_holder.try_acquire_fenced());
  const Fence old_fence = fence_of(old_holder);
  ASSERT_TRUE(hbsync::testing::wait_until(
      [&] {
        return redis_.command({"EXISTS", old_holder.key()}).integer == 0;
      },
      5s));
  redis::Lease new_holder(redis_, poll::keys::run_lease("7"), 60s);
  ASSERT_TRUE(new_holder.try_acquire_fenced());
  const Fence new_fence = fence_of(new_holder);
  EXPECT_GT(new_fence.number, old_fence.number);
  ASSERT_TRUE(state_.commit("7", new_fence, {.projects_ms = 20, .invoices_ms = 20, .full_ms = 1}));

  EXPECT_FALSE(state_.holds(old_fence));
  EXPECT_FALSE(state_.remember("7", old_fence, {{42, ProjectState{.order_status = 9}}}));
  EXPECT_FALSE(state_.commit("7", old_fence, {.projects_ms = 1, .invoices_ms = 1, .full_ms = 1}));
  EXPECT_FALSE(state_.remembered("7", {42})[42]);
  EXPECT_EQ(state_.watermarks("7").projects_ms, 20);

  // Even holding the lease's token again, a smaller fencing number than the
  // one stored is refused (a holder paused past its ttl and a reused token).
  redis_.command({"SET", new_holder.key(), old_fence.token, "PX", "60000"});
  EXPECT_FALSE(state_.commit("7", old_fence, {.projects_ms = 1, .invoices_ms = 1, .full_ms = 1}));
  EXPECT_EQ(state_.watermarks("7").projects_ms, 20);
}

}  // namespace
}  // namespace hbsync::poller
