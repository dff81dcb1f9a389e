// The writer's Redis state against a real redis-server: claims (the
// exactly-once core), leases, company locks (links: libs/links).
#include "state.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "hbsync/testing/redis_server.hpp"
#include "hbsync/testing/wait.hpp"
#include "keys.hpp"

namespace {

using namespace std::chrono_literals;
using hbsync::writer::Claim;
using hbsync::writer::State;

class WriterStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    redis_ = std::make_unique<hbsync::redis::Client>(hbsync::redis::Options{.url = server_.url()});
  }
  State make(std::chrono::milliseconds lease = 60s) {
    return State(*redis_, {.claim_lease = lease, .idempotency_ttl = 3600s, .lock_lease = lease});
  }
  // Redis server time in ms: the clock the claim and lock scripts judge by.
  int64_t server_now_ms() {
    auto t = redis_->command({"TIME"});
    return std::stoll(t.elements.at(0).str) * 1000 + std::stoll(t.elements.at(1).str) / 1000;
  }
  // Whether the lease of a processing claim has run out by the server's clock.
  bool claim_lease_over(const std::string& command_id) {
    auto until = redis_->command({"HGET", State::claim_key(command_id), "until"});
    return std::stoll(until.str) <= server_now_ms();
  }
  int64_t pttl(const std::string& key) { return redis_->command({"PTTL", key}).integer; }
  hbsync::testing::RedisServer server_;
  std::unique_ptr<hbsync::redis::Client> redis_;
};

TEST_F(WriterStateTest, ExactlyOneOfManyConcurrentClaimsWins) {
  auto state = make();
  std::atomic<int> claimed{0}, busy{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      for (int k = 0; k < 50; ++k) {
        auto c = state.claim("cmd-" + std::to_string(k), "owner-" + std::to_string(i));
        if (c.state == Claim::State::claimed) ++claimed;
        if (c.state == Claim::State::busy) ++busy;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(claimed.load(), 50);
  EXPECT_EQ(busy.load(), 7 * 50);
}

TEST_F(WriterStateTest, DoneIsDoneForEveryone) {
  auto state = make();
  ASSERT_EQ(state.claim("c1", "a").state, Claim::State::claimed);
  state.complete("c1", "a", "ok");
  auto again = state.claim("c1", "b");
  EXPECT_EQ(again.state, Claim::State::done);
  EXPECT_EQ(again.outcome, "ok");
  EXPECT_EQ(state.claim("c1", "a").state, Claim::State::done);
  // The key expires with the idempotency TTL.
  auto ttl = redis_->command({"PTTL", State::claim_key("c1")});
  EXPECT_GT(ttl.integer, 3000000);
  EXPECT_LE(ttl.integer, 3600000);
}

TEST_F(WriterStateTest, ACrashedHoldersClaimIsTakenOverAfterItsLeaseAndCounted) {
  auto state = make(300ms);
  auto first = state.claim("c2", "crashed");
  ASSERT_EQ(first.state, Claim::State::claimed);
  EXPECT_EQ(first.claims, 1);
  auto early = state.claim("c2", "other");
  EXPECT_EQ(early.state, Claim::State::busy);
  EXPECT_GT(early.retry_in_ms, 0);
  EXPECT_LE(early.retry_in_ms, 300);
  // The holder never renews: wait until its lease has run out.
  ASSERT_TRUE(hbsync::testing::wait_for(
      "the crashed holder's lease to run out", [&] { return claim_lease_over("c2"); }, 5s));
  auto later = state.claim("c2", "other");
  ASSERT_EQ(later.state, Claim::State::claimed);
  EXPECT_EQ(later.claims, 2);  // the writer looks before creating again
  // The crashed holder, were it alive after all, is fenced off.
  EXPECT_FALSE(state.renew("c2", "crashed"));
  EXPECT_TRUE(state.renew("c2", "other"));
}

TEST_F(WriterStateTest, ReleasedAndFailedClaimsCanBeTakenAgain) {
  auto state = make();
  ASSERT_EQ(state.claim("c3", "a").state, Claim::State::claimed);
  state.release("c3", "a");
  auto retried = state.claim("c3", "b");
  ASSERT_EQ(retried.state, Claim::State::claimed);
  EXPECT_EQ(retried.claims, 2);
  state.fail("c3", "b", "board_validation");
  auto repeat = state.claim("c3", "c");  // a repeat, not a replay: it failed
  EXPECT_EQ(repeat.state, Claim::State::failed);
  EXPECT_EQ(repeat.outcome, "board_validation");
  auto replayed = state.claim("c3", "c", /*replay=*/true);  // hbsync-ctl dlq replay
  ASSERT_EQ(replayed.state, Claim::State::claimed);
  EXPECT_EQ(replayed.claims, 3);
  // A release by someone who no longer holds it changes nothing.
  state.release("c3", "a");
  EXPECT_EQ(state.claim("c3", "d").state, Claim::State::busy);
}

TEST_F(WriterStateTest, CompanyLockHasOneHolderAndExpires) {
  auto state = make(300ms);
  EXPECT_TRUE(state.try_lock_company("t1", 1, "a"));
  EXPECT_FALSE(state.try_lock_company("t1", 1, "b"));
  state.unlock_company("t1", 1, "b");  // not b's: stays
  EXPECT_FALSE(state.try_lock_company("t1", 1, "b"));
  state.unlock_company("t1", 1, "a");
  EXPECT_TRUE(state.try_lock_company("t1", 1, "b"));
  const auto lock = hbsync::writer::keys::company_lock("t1", 1);
  // b dies holding it: wait until its lock key has expired (PTTL -2: gone).
  ASSERT_TRUE(hbsync::testing::wait_for(
      "b's company lock to expire", [&] { return pttl(lock) == -2; }, 5s));
  EXPECT_TRUE(state.try_lock_company("t1", 1, "c"));
  // A holder that keeps renewing keeps it past its lease; others cannot.
  // Each round waits until half the 300 ms lease is gone, then renews:
  // four rounds take the holder well past its first lease.
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(hbsync::testing::wait_for(
        "half of c's lease to pass",
        [&] {
          const auto left = pttl(lock);
          return left >= 0 && left <= 150;
        },
        5s, nullptr, 10ms));
    EXPECT_TRUE(state.renew_company_lock("t1", 1, "c"));
    EXPECT_FALSE(state.renew_company_lock("t1", 1, "d"));
  }
  EXPECT_GT(std::chrono::steady_clock::now() - start, 300ms);
  EXPECT_FALSE(state.try_lock_company("t1", 1, "d"));
}

}  // namespace
