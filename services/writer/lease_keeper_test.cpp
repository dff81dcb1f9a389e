// The writer's outcomes and its fence: reason codes as written to claims,
// history and dead letters; API failures as retry or dead letter; the lease
// keeper's fence against a real redis-server.
#include "lease_keeper.hpp"

#include <gtest/gtest.h>

#include "hbsync/testing/process.hpp"
#include "hbsync/testing/redis_server.hpp"
#include "hbsync/testing/wait.hpp"
#include "outcome.hpp"

namespace {

using namespace std::chrono_literals;
using hbsync::writer::Claim;
using hbsync::writer::ClaimLost;
using hbsync::writer::LeaseKeeper;
using hbsync::writer::Outcome;
using hbsync::writer::Reason;
using hbsync::writer::State;

TEST(WriterOutcome, ApiFailuresAreRetriedOrDeadLetteredWithTheirCode) {
  auto limited = hbsync::writer::board_failure(
      {.kind = hbsync::board::Error::rate_limited, .status = 429}, "GET /v1/clients");
  EXPECT_EQ(limited.kind, Outcome::retry);
  EXPECT_EQ(limited.reason, Reason::api_error);
  EXPECT_EQ(limited.code(), "board_rate_limited");
  EXPECT_EQ(limited.message, "GET /v1/clients failed: rate_limited (HTTP 429)");

  auto invalid = hbsync::writer::hubspot_failure(
      {.kind = hbsync::hubspot::Error::not_found, .status = 404}, "companies.get");
  EXPECT_EQ(invalid.kind, Outcome::dead_letter);
  EXPECT_EQ(invalid.code(), "hubspot_not_found");

  hbsync::board::Error redis_down{.kind = hbsync::board::Error::network};
  redis_down.redis_error = "OOM";
  auto redis = hbsync::writer::board_failure(redis_down, "POST /v1/projects");
  EXPECT_EQ(redis.kind, Outcome::retry);
  EXPECT_EQ(redis.reason, Reason::redis_error);
  EXPECT_EQ(redis.code(), "redis_error");
}

TEST(WriterOutcome, ReasonCodesKeepTheirNames) {
  // Written to claims, history and dead letters: operators and alerts read them.
  EXPECT_EQ(hbsync::writer::retry(Reason::claim_lost, "").code(), "claim_lost");
  EXPECT_EQ(hbsync::writer::retry(Reason::company_busy, "").code(), "company_busy");
  EXPECT_EQ(hbsync::writer::failed(Reason::no_board_user, "").code(), "no_board_user");
  EXPECT_EQ(hbsync::writer::applied(Reason::stale).code(), "stale");
  EXPECT_EQ(hbsync::writer::applied().code(), "");
}

class LeaseKeeperTest : public ::testing::Test {
 protected:
  // Redis server time in ms: the clock the claim scripts judge leases by.
  int64_t server_now_ms() {
    auto t = redis_.command({"TIME"});
    return std::stoll(t.elements.at(0).str) * 1000 + std::stoll(t.elements.at(1).str) / 1000;
  }
  hbsync::testing::RedisServer server_;
  hbsync::redis::Client redis_{hbsync::redis::Options{.url = server_.url()}};
  State state_{redis_, {.claim_lease = 300ms, .idempotency_ttl = 3600s, .lock_lease = 300ms}};
};

TEST_F(LeaseKeeperTest, KeepsAClaimPastItsLeaseWhileTheCommandIsWorkedOn) {
  ASSERT_EQ(state_.claim("c1", "a").state, Claim::State::claimed);
  LeaseKeeper keeper(state_, "c1", "a", 100ms);
  // Until the server's clock is three leases past the claim, the claim stays
  // a's at every look: nobody else gets it.
  const int64_t three_leases_later =
      std::stoll(redis_.command({"HGET", State::claim_key("c1"), "until"}).str) + 600;
  bool held_throughout = true;
  EXPECT_TRUE(hbsync::testing::wait_until(
      [&] {
        held_throughout = held_throughout && state_.claim("c1", "b").state == Claim::State::busy &&
                          keeper.holds();
        keeper.check();
        return !held_throughout || server_now_ms() > three_leases_later;
      },
      5s, 50ms));
  EXPECT_TRUE(held_throughout);
}

TEST_F(LeaseKeeperTest, TheFenceClosesOnceAnotherWriterHasTheClaim) {
  ASSERT_EQ(state_.claim("c2", "a").state, Claim::State::claimed);
  LeaseKeeper keeper(state_, "c2", "a", 100ms);
  // Another writer takes the claim over (as after a lease ran out).
  redis_.command({"DEL", State::claim_key("c2")});
  ASSERT_EQ(state_.claim("c2", "b").state, Claim::State::claimed);
  EXPECT_TRUE(hbsync::testing::wait_until([&] { return !keeper.holds(); }, 5s));
  EXPECT_THROW(keeper.check(), ClaimLost);
}

}  // namespace
