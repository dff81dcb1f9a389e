// The deal outbox against a real redis-server: newest board change wins,
// due times by linger and by a full batch, compare-and-delete, no amount in
// clear (the entries carry the sealed command).
#include "outbox.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>

#include "hbsync/testing/redis_server.hpp"
#include "hbsync/testing/wait.hpp"
#include "keys.hpp"

namespace {

using namespace std::chrono_literals;
using hbsync::writer::Outbox;

class OutboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    redis_ = std::make_unique<hbsync::redis::Client>(hbsync::redis::Options{.url = server_.url()});
  }
  Outbox make(std::chrono::milliseconds linger) {
    return Outbox(*redis_, {.linger = linger, .batch = 100});
  }
  hbsync::testing::RedisServer server_;
  std::unique_ptr<hbsync::redis::Client> redis_;
};

TEST_F(OutboxTest, TheNewestBoardChangeOfADealWins) {
  auto outbox = make(0ms);
  EXPECT_TRUE(outbox.put("t1", 20, 1000, "first"));
  EXPECT_TRUE(outbox.put("t1", 20, 2000, "second"));
  EXPECT_FALSE(outbox.put("t1", 20, 1500, "older"));  // never replaces a newer one
  EXPECT_TRUE(outbox.put("t1", 20, 2000, "same change again"));
  auto entries = outbox.take("t1");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].deal_id, 20);
  EXPECT_EQ(entries[0].board_updated_ms, 2000);
  EXPECT_EQ(entries[0].command, "same change again");
  EXPECT_GT(entries[0].queued_ms, 0);
  EXPECT_TRUE(outbox.take("t2").empty());  // tenants apart
}

TEST_F(OutboxTest, ATenantIsDueAfterTheLingerOrAtOnceWithAFullBatch) {
  auto outbox = make(300ms);
  outbox.put("t1", 1, 1, "a");
  EXPECT_TRUE(outbox.due(10).tenants.empty());  // lingers
  ASSERT_TRUE(hbsync::testing::wait_for(
      "t1 due after its linger", [&] { return outbox.due(10).tenants.size() == 1; }, 5s));
  // A full batch is due at once.
  auto slow = make(std::chrono::hours(1));
  for (int64_t d = 1; d <= 99; ++d) slow.put("t2", d, 1, "x");
  auto due = slow.due(10).tenants;
  EXPECT_EQ(std::count(due.begin(), due.end(), "t2"), 0);
  slow.put("t2", 100, 1, "x");
  due = slow.due(10).tenants;
  EXPECT_EQ(std::count(due.begin(), due.end(), "t2"), 1);
  EXPECT_EQ(slow.take("t2").size(), 100u);
  slow.put("t2", 101, 1, "x");
  EXPECT_EQ(slow.take("t2").size(), 100u);  // at most one batch at a time
  EXPECT_EQ(slow.size("t2"), 101u);
}

// The flusher sleeps until the next tenant is due instead of polling.
TEST_F(OutboxTest, DueSaysHowLongUntilTheNextTenantIsDue) {
  auto outbox = make(std::chrono::hours(1));
  EXPECT_FALSE(outbox.due(10).next.has_value());  // nothing waits
  outbox.put("t1", 1, 1, "a");
  auto due = outbox.due(10);
  EXPECT_TRUE(due.tenants.empty());
  ASSERT_TRUE(due.next.has_value());
  EXPECT_GT(*due.next, std::chrono::minutes(59));
  EXPECT_LE(*due.next, std::chrono::hours(1));
  // A sooner tenant is the next one; a due tenant is not counted as next.
  outbox.put("t2", 2, 1, "b");
  outbox.reschedule("t2", 2s);
  due = outbox.due(10);
  ASSERT_TRUE(due.next.has_value());
  EXPECT_LE(*due.next, 2s);
  EXPECT_GT(*due.next, 0ms);
  outbox.reschedule("t2", 0ms);
  due = outbox.due(10);
  EXPECT_EQ(due.tenants, std::vector<std::string>{"t2"});
  ASSERT_TRUE(due.next.has_value());
  EXPECT_GT(*due.next, std::chrono::minutes(59));  // t1 again
}

TEST_F(OutboxTest, OnlyTheEntrySentIsRemovedAndTheDueSetFollows) {
  auto outbox = make(0ms);
  outbox.put("t1", 20, 1000, "sent");
  outbox.put("t1", 21, 1000, "sent too");
  auto taken = outbox.take("t1");
  ASSERT_EQ(taken.size(), 2u);
  // A newer change of deal 20 queued while the call was in flight.
  outbox.put("t1", 20, 3000, "newer");
  for (const auto& e : taken) {
    EXPECT_EQ(outbox.remove_if_unchanged("t1", e), e.deal_id == 21) << e.deal_id;
  }
  outbox.reschedule("t1", 0ms);
  auto left = outbox.take("t1");
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].command, "newer");
  EXPECT_EQ(outbox.due(10).tenants.size(), 1u);
  EXPECT_TRUE(outbox.remove_if_unchanged("t1", left[0]));
  outbox.reschedule("t1", 0ms);
  EXPECT_TRUE(outbox.due(10).tenants.empty());  // empty: off the due set
  EXPECT_EQ(redis_->command({"EXISTS", hbsync::writer::keys::deal_outbox("t1")}).integer, 0);
  // Rescheduled later while entries are left.
  outbox.put("t1", 22, 1, "x");
  outbox.reschedule("t1", std::chrono::hours(1));
  EXPECT_TRUE(outbox.due(10).tenants.empty());
}

}  // namespace
