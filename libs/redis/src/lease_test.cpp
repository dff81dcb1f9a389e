// redis::Lease against a real redis-server started per test.
#include "hbsync/redis/lease.hpp"

#include <gtest/gtest.h>

#include "hbsync/testing/process.hpp"
#include "hbsync/testing/redis_server.hpp"

namespace hbsync::redis {
namespace {

using namespace std::chrono_literals;

class LeaseTest : public ::testing::Test {
 protected:
  LeaseTest() : client_(options()) {}
  Options options() const {
    Options o;
    o.url = server_.url();
    return o;
  }
  int64_t pttl(const std::string& key) { return client_.command({"PTTL", key}).integer; }
  bool gone(const std::string& key) {
    return hbsync::testing::wait_until(
        [&] {
          return client_.command({"EXISTS", key}).integer == 0;
        },
        5s);
  }

  hbsync::testing::RedisServer server_;
  Client client_;
};

TEST_F(LeaseTest, ExclusiveWhileHeld) {
  Lease a(client_, "l", 60s);
  Lease b(client_, "l", 60s);
  EXPECT_NE(a.token(), b.token());
  EXPECT_TRUE(a.try_acquire());
  EXPECT_FALSE(b.try_acquire());
  EXPECT_FALSE(a.try_acquire());  // not re-entrant
  EXPECT_TRUE(a.held());
  EXPECT_FALSE(b.held());
  EXPECT_EQ(client_.command({"GET", "l"}).str, a.token());
  EXPECT_GT(pttl("l"), 50000);
}

TEST_F(LeaseTest, ExpiresByItself) {
  Lease a(client_, "l", 200ms);
  ASSERT_TRUE(a.try_acquire());
  ASSERT_TRUE(gone("l"));
  EXPECT_FALSE(a.held());
}

TEST_F(LeaseTest, OnlyTheOwnerRenews) {
  Lease a(client_, "l", 60s, "owner-a");
  Lease b(client_, "l", 60s, "owner-b");
  ASSERT_TRUE(a.try_acquire());
  client_.command({"PEXPIRE", "l", "100000"});
  EXPECT_FALSE(b.renew());
  EXPECT_LE(pttl("l"), 100000);
  EXPECT_GT(pttl("l"), 60000);  // b did not shorten it to its ttl either
  client_.command({"PEXPIRE", "l", "1000"});
  EXPECT_TRUE(a.renew());
  EXPECT_GT(pttl("l"), 50000);
  EXPECT_EQ(client_.command({"GET", "l"}).str, "owner-a");
}

TEST_F(LeaseTest, OnlyTheOwnerReleases) {
  Lease a(client_, "l", 60s);
  Lease b(client_, "l", 60s);
  ASSERT_TRUE(a.try_acquire());
  EXPECT_FALSE(b.release());
  EXPECT_TRUE(a.held());
  EXPECT_TRUE(a.release());
  EXPECT_EQ(client_.command({"EXISTS", "l"}).integer, 0);
  EXPECT_FALSE(a.release());
  EXPECT_TRUE(b.try_acquire());
}

TEST_F(LeaseTest, TakeoverAfterExpiryFencesTheOldOwner) {
  Lease a(client_, "l", 200ms);
  Lease b(client_, "l", 60s);
  ASSERT_TRUE(a.try_acquire());
  EXPECT_FALSE(b.try_acquire());
  ASSERT_TRUE(gone("l"));  // a died holding it
  EXPECT_TRUE(b.try_acquire());
  EXPECT_FALSE(a.held());
  EXPECT_FALSE(a.renew());
  EXPECT_FALSE(a.release());
  EXPECT_TRUE(b.held());
  EXPECT_GT(pttl("l"), 50000);
}

TEST_F(LeaseTest, AcquireWaitsForTheHolder) {
  Lease a(client_, "l", 300ms);
  Lease b(client_, "l", 60s);
  ASSERT_TRUE(a.try_acquire());
  EXPECT_TRUE(b.acquire(Lease::Clock::now() + 5s, 20ms));
  EXPECT_TRUE(b.held());
}

TEST_F(LeaseTest, AcquireStopsAtTheDeadlineOrWhenGivenUp) {
  Lease a(client_, "l", 60s);
  Lease b(client_, "l", 60s);
  ASSERT_TRUE(a.try_acquire());
  EXPECT_FALSE(b.acquire(Lease::Clock::now() + 100ms, 20ms));
  int asked = 0;
  EXPECT_FALSE(b.acquire(Lease::Clock::now() + 60s, 20ms, [&] { return ++asked == 3; }));
  EXPECT_EQ(asked, 3);
  EXPECT_TRUE(a.held());
}

TEST_F(LeaseTest, FencedTakesDrawIncreasingNumbers) {
  Lease a(client_, "l", 200ms);
  Lease b(client_, "l", 60s);
  auto first = a.try_acquire_fenced();
  ASSERT_TRUE(first);
  EXPECT_EQ(a.fence(), *first);
  EXPECT_FALSE(b.try_acquire_fenced());  // held: no number drawn
  EXPECT_EQ(b.fence(), 0);
  EXPECT_EQ(client_.command({"GET", a.fence_key()}).str, std::to_string(*first));
  ASSERT_TRUE(gone("l"));  // a ran out
  auto second = b.try_acquire_fenced();
  ASSERT_TRUE(second);
  EXPECT_GT(*second, *first);
  EXPECT_TRUE(b.held());
  EXPECT_FALSE(a.held());
  EXPECT_GT(client_.command({"PTTL", "l"}).integer, 50000);
  EXPECT_EQ(client_.command({"PTTL", b.fence_key()}).integer, -1);  // the counter stays
}

}  // namespace
}  // namespace hbsync::redis
