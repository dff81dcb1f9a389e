// libs/history against a real redis-server.
#include "hbsync/history/history.hpp"

#include <gtest/gtest.h>

#include "hbsync/testing/redis_server.hpp"

namespace {

TEST(History, RecordsNewestFirstWithEveryField) {
  hbsync::testing::RedisServer server;
  hbsync::redis::Client redis(hbsync::redis::Options{.url = server.url()});
  hbsync::history::History history(redis);
  history.record("7", {.at_ms = 1000,
                       .direction = "hubspot_to_board",
                       .action = "created",
                       .deal_id = 11,
                       .company_id = 12,
                       .client_id = 13,
                       .project_id = 14,
                       .reason_code = "",
                       .message = "project created",
                       .attempts = 2,
                       .command_id = "v1:7:sync_deal:11:order_5:1"});
  history.record("7", {.direction = "hubspot_to_board",
                       .action = "skipped",
                       .deal_id = 15,
                       .reason_code = "no_company"});
  history.record("8", {.direction = "hubspot_to_board", .action = "failed", .deal_id = 99});

  auto entries = history.latest("7", 10);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].action, "skipped");
  EXPECT_EQ(entries[0].deal_id, 15);
  EXPECT_EQ(entries[0].reason_code, "no_company");
  EXPECT_GT(entries[0].at_ms, 1000);  // filled with now
  EXPECT_EQ(entries[1].action, "created");
  EXPECT_EQ(entries[1].at_ms, 1000);
  EXPECT_EQ(entries[1].company_id, 12);
  EXPECT_EQ(entries[1].client_id, 13);
  EXPECT_EQ(entries[1].project_id, 14);
  EXPECT_EQ(entries[1].attempts, 2);
  EXPECT_EQ(entries[1].message, "project created");
  EXPECT_EQ(entries[1].command_id, "v1:7:sync_deal:11:order_5:1");
  EXPECT_FALSE(entries[1].id.empty());
  EXPECT_EQ(history.latest("8", 10).size(), 1u);
  EXPECT_TRUE(history.latest("9", 10).empty());
}

TEST(History, IsCappedNearMaxEntries) {
  hbsync::testing::RedisServer server;
  hbsync::redis::Client redis(hbsync::redis::Options{.url = server.url()});
  hbsync::history::History history(redis, 100);
  for (int i = 0; i < 1000; ++i) {
    history.record("7", {.direction = "hubspot_to_board", .action = "updated", .deal_id = i + 1});
  }
  auto len = redis.command({"XLEN", hbsync::history::History::key("7")});
  // MAXLEN ~ trims whole stream nodes: a little over 100 may stay, never 1000.
  EXPECT_GE(len.integer, 100);
  EXPECT_LT(len.integer, 300);
  auto newest = history.latest("7", 1);
  ASSERT_EQ(newest.size(), 1u);
  EXPECT_EQ(newest[0].deal_id, 1000);
}

}  // namespace
