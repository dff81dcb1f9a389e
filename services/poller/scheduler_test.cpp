// The schedule (SPEC F4.1) with an injected clock: two scheduler instances
// (two poller replicas) sharing one real redis-server.
#include "scheduler.hpp"

#include <gtest/gtest.h>

#include <mutex>
#include <vector>

#include "hbsync/tenant/crypto.hpp"
#include "hbsync/testing/redis_server.hpp"

namespace hbsync::poller {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;

system_clock::time_point jst(int y, unsigned m, unsigned d, int hh, int mm, int ss = 0) {
  return sys_days(year(y) / month(m) / day(d)) + hours(hh - 9) + minutes(mm) + seconds(ss);
}

class SchedulerTest : public ::testing::Test {
 protected:
  SchedulerTest()
      : redis_(options()),
        keyring_(tenant::Keyring::parse("t1:" + tenant::Keyring::generate_key())),
        store_(redis_, keyring_) {}

  redis::Options options() {
    redis::Options o;
    o.url = server_.url();
    return o;
  }

  void add_tenant(const std::string& id, int interval_minutes = 0, std::string time = "03:00",
                  bool board_connected = true) {
    tenant::Settings s;
    s.tenant_id = id;
    if (board_connected) {
      s.board.api_key = "BKEY-" + id + "-7f3Qz9LmWx";
      s.board.api_token = "BTOK-Hq2Vn8RtYc";
      s.board.default_user_id = 101;
    }
    s.hubspot.access_token = "HACC-Jd5Kp1SgUe";
    s.hubspot.hub_id = std::stoll(id);
    s.schedule = {time, "Asia/Tokyo", interval_minutes};
    auto put = store_.put(s);
    ASSERT_TRUE(put.ok()) << (put.errors.empty() ? "" : put.errors.front().message);
  }

  // A replica: its own scheduler instance on the shared clock and Redis.
  Scheduler replica() {
    return Scheduler(
        redis_, store_,
        [this](const v1::SyncRequest& r) {
          std::lock_guard lock(mutex_);
          if (refuse_) return false;
          published_.push_back(r);
          return true;
        },
        [this] { return now_; });
  }

  // Both replicas tick at `t` (each twice: a tick never fires a run twice).
  int tick_both(system_clock::time_point t, Scheduler& a, Scheduler& b) {
    now_ = t;
    return a.tick() + b.tick() + b.tick() + a.tick();
  }

  hbsync::testing::RedisServer server_;
  redis::Client redis_;
  tenant::Keyring keyring_;
  tenant::Store store_;
  system_clock::time_point now_{};
  std::mutex mutex_;
  bool refuse_ = false;
  std::vector<v1::SyncRequest> published_;
};

TEST_F(SchedulerTest, ThreeAmTokyoFiresOncePerDayAcrossTwoReplicas) {
  add_tenant("1001");
  Scheduler a = replica();
  Scheduler b = replica();
  EXPECT_EQ(tick_both(jst(2026, 12, 1, 2, 50), a, b), 0);  // first sight: next run set, no run
  EXPECT_EQ(tick_both(jst(2026, 12, 1, 2, 59, 59), a, b), 0);
  EXPECT_EQ(tick_both(jst(2026, 12, 1, 3, 0), a, b), 1);
  EXPECT_EQ(tick_both(jst(2026, 12, 1, 3, 0, 10), a, b), 0);
  EXPECT_EQ(tick_both(jst(2026, 12, 1, 23, 59), a, b), 0);
  EXPECT_EQ(tick_both(jst(2026, 12, 2, 3, 0, 5), a, b), 1);
  EXPECT_EQ(tick_both(jst(2026, 12, 2, 14, 0), a, b), 0);
  ASSERT_EQ(published_.size(), 2u);
  for (const auto& r : published_) {
    EXPECT_EQ(r.tenant_id(), "1001");
    EXPECT_EQ(r.kind(), v1::SyncRequest::SCHEDULED);
    EXPECT_EQ(r.requested_by(), "schedule");
  }
  EXPECT_NE(published_[0].request_id(), published_[1].request_id());
}

// A tenant its first sign-in created (F1.2) has no board connection until
// the admin saves one (F1.1): no scheduled poll for it, until then.
TEST_F(SchedulerTest, NoPollsBeforeTheBoardConnectionIsSaved) {
  add_tenant("1009", 15, "03:00", false);
  Scheduler a = replica();
  Scheduler b = replica();
  EXPECT_EQ(tick_both(jst(2026, 12, 1, 2, 50), a, b), 0);
  EXPECT_EQ(tick_both(jst(2026, 12, 1, 3, 0), a, b), 0);
  EXPECT_EQ(tick_both(jst(2026, 12, 1, 4, 0), a, b), 0);
  EXPECT_TRUE(published_.empty());
  add_tenant("1009", 15, "03:00", true);
  EXPECT_EQ(tick_both(jst(2026, 12, 1, 4, 1), a, b), 0);  // first sight: next run set
  EXPECT_EQ(tick_both(jst(2026, 12, 1, 4, 20), a, b), 1);
  ASSERT_EQ(published_.size(), 1u);
  EXPECT_EQ(published_[0].tenant_id(), "1009");
}

TEST_F(SchedulerTest, MissedRunsCatchUpOnceNotOncePerDay) {
  add_tenant("1002");
  Scheduler a = replica();
  Scheduler b = replica();
  tick_both(jst(2026, 12, 1, 12, 0), a, b);
  // Every poller down from Dec 1 noon to Dec 4 10:00: three 03:00 runs missed.
  EXPECT_EQ(tick_both(jst(2026, 12, 4, 10, 0), a, b), 1);
  EXPECT_EQ(tick_both(jst(2026, 12, 4, 10, 1), a, b), 0);
  EXPECT_EQ(tick_both(jst(2026, 12, 5, 2, 59), a, b), 0);
  EXPECT_EQ(tick_both(jst(2026, 12, 5, 3, 0), a, b), 1);  // back on the daily schedule
  EXPECT_EQ(published_.size(), 2u);
}

TEST_F(SchedulerTest, IntervalFiresEveryNMinutesAndCollapsesMissedSlots) {
  add_tenant("1003", 15, "05:00");
  Scheduler a = replica();
  Scheduler b = replica();
  const auto t0 = jst(2026, 12, 1, 10, 0);
  EXPECT_EQ(tick_both(t0, a, b), 0);
  EXPECT_EQ(tick_both(t0 + 14min, a, b), 0);
  EXPECT_EQ(tick_both(t0 + 15min, a, b), 1);
  EXPECT_EQ(tick_both(t0 + 29min, a, b), 0);
  EXPECT_EQ(tick_both(t0 + 30min, a, b), 1);
  EXPECT_EQ(tick_both(t0 + 3h, a, b), 1);  // ten slots missed: one run
  EXPECT_EQ(tick_both(t0 + 3h + 14min, a, b), 0);
  ASSERT_EQ(published_.size(), 3u);
  for (const auto& r : published_) EXPECT_EQ(r.kind(), v1::SyncRequest::INTERVAL);
}

TEST_F(SchedulerTest, AnUnpublishedRequestIsDueAgainAtTheNextTick) {
  add_tenant("1004");
  Scheduler a = replica();
  Scheduler b = replica();
  tick_both(jst(2026, 12, 1, 2, 0), a, b);
  refuse_ = true;  // Kafka refuses
  EXPECT_EQ(tick_both(jst(2026, 12, 1, 3, 0), a, b), 0);
  refuse_ = false;
  EXPECT_EQ(tick_both(jst(2026, 12, 1, 3, 0, 10), a, b), 1);
  EXPECT_EQ(tick_both(jst(2026, 12, 1, 3, 0, 20), a, b), 0);
  EXPECT_EQ(published_.size(), 1u);
}

TEST_F(SchedulerTest, AChangedTimeTakesEffectWithoutAnExtraRun) {
  add_tenant("1005");
  Scheduler a = replica();
  Scheduler b = replica();
  tick_both(jst(2026, 12, 1, 2, 0), a, b);  // next: 03:00
  add_tenant("1005", 0, "04:00");
  EXPECT_EQ(tick_both(jst(2026, 12, 1, 3, 30), a, b), 0);  // re-planned for 04:00
  EXPECT_EQ(tick_both(jst(2026, 12, 1, 4, 0), a, b), 1);
}

}  // namespace
}  // namespace hbsync::poller
