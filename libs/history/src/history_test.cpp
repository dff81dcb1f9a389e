// libs/history against a real redis-server.
#include "hbsync/history/history.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "hbsync/history/page.hpp"
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
                       .command_id = "v1:7:sync_deal:11:order_5:1",
                       .dead_letter = "3:41"});
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
  EXPECT_EQ(entries[1].dead_letter, "3:41");
  EXPECT_FALSE(entries[1].id.empty());
  EXPECT_EQ(history.latest("8", 10).size(), 1u);
  EXPECT_TRUE(history.latest("9", 10).empty());
}

// One variable for every service that records; the writer's old name is
// refused, not ignored.
TEST(History, MaxEntriesComeFromOneVariableAndTheOldNameIsRefused) {
  auto loader = [](std::map<std::string, std::string> env) {
    return hbsync::config::Loader("test", "", 0, nullptr, hbsync::config::env_from(std::move(env)));
  };
  auto defaults = loader({});
  EXPECT_EQ(hbsync::history::load_max_entries(defaults), hbsync::history::kDefaultMaxEntries);
  EXPECT_TRUE(defaults.errors().empty());

  auto raised = loader({{"HBSYNC_HISTORY_MAX", "50000"}});
  EXPECT_EQ(hbsync::history::load_max_entries(raised), 50000u);
  EXPECT_TRUE(raised.errors().empty());

  auto too_small = loader({{"HBSYNC_HISTORY_MAX", "5"}});
  hbsync::history::load_max_entries(too_small);
  ASSERT_EQ(too_small.errors().size(), 1u);
  EXPECT_NE(too_small.errors()[0].find("HBSYNC_HISTORY_MAX"), std::string::npos);

  auto old_name = loader({{"HBSYNC_WRITER_HISTORY_MAX", "50000"}});
  hbsync::history::load_max_entries(old_name);
  ASSERT_EQ(old_name.errors().size(), 1u);
  EXPECT_NE(old_name.errors()[0].find("HBSYNC_WRITER_HISTORY_MAX"), std::string::npos);
  EXPECT_NE(old_name.errors()[0].find("renamed HBSYNC_HISTORY_MAX"), std::string::npos);
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

TEST(History, PagesThroughRedisWithAFilterLosingNothing) {
  hbsync::testing::RedisServer server;
  hbsync::redis::Client redis(hbsync::redis::Options{.url = server.url()});
  hbsync::history::History history(redis);
  std::vector<std::string> failed;  // newest first, as pages list them
  for (int i = 1; i <= 250; ++i) {
    const bool fails = i % 7 == 0;
    history.record("7", {.direction = "hubspot_to_board",
                         .action = fails ? "failed" : "created",
                         .deal_id = i,
                         .reason_code = fails ? "board_rejected" : ""});
  }
  history.record("8", {.direction = "hubspot_to_board", .action = "failed", .deal_id = 999});
  for (const auto& e : history.latest("7", 300))
    if (e.action == "failed") failed.push_back(e.id);
  ASSERT_EQ(failed.size(), 35u);

  hbsync::history::PageQuery q{.filter = {.action = "failed"}, .limit = 4, .max_scan = 30};
  std::vector<std::string> seen;
  for (int pages = 0; pages < 100; ++pages) {
    const hbsync::history::Page p = history.page("7", q);
    for (const auto& e : p.entries) {
      EXPECT_EQ(e.action, "failed");
      EXPECT_EQ(e.reason_code, "board_rejected");
      seen.push_back(e.id);
    }
    if (p.next_before.empty()) break;
    q.before = p.next_before;
  }
  EXPECT_EQ(seen, failed);

  const auto whole = history.page("7", {.limit = 200});
  ASSERT_EQ(whole.entries.size(), 200u);
  EXPECT_EQ(whole.entries.front().deal_id, 250);
  EXPECT_EQ(whole.next_before, whole.entries.back().id);
  const auto rest = history.page("7", {.before = whole.next_before, .limit = 200});
  EXPECT_EQ(rest.entries.size(), 50u);
  EXPECT_EQ(rest.entries.back().deal_id, 1);
  EXPECT_EQ(rest.next_before, "");
  EXPECT_THROW(history.page("7", {.before = "+"}), std::invalid_argument);
}

TEST(History, FindsAnEntryOfItsOwnTenantOnly) {
  hbsync::testing::RedisServer server;
  hbsync::redis::Client redis(hbsync::redis::Options{.url = server.url()});
  hbsync::history::History history(redis);
  history.record("7", {.direction = "hubspot_to_board", .action = "failed", .deal_id = 5});
  // Ids are per stream: two tenants' entries of the same millisecond may
  // share one. Tenant 8's second entry cannot be tenant 7's only one.
  history.record("8", {.direction = "hubspot_to_board", .action = "failed", .deal_id = 6});
  history.record("8", {.direction = "hubspot_to_board", .action = "failed", .deal_id = 6});
  const std::string id7 = history.latest("7", 1).at(0).id;
  const std::string id8 = history.latest("8", 1).at(0).id;
  ASSERT_NE(id7, id8);
  auto found = history.find("7", id7);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->deal_id, 5);
  EXPECT_EQ(found->id, id7);
  EXPECT_FALSE(history.find("7", id8).has_value());
  EXPECT_FALSE(history.find("7", "-").has_value());
  EXPECT_FALSE(history.find("7", "0-1").has_value());
}

TEST(History, CountsByActionSinceATime) {
  hbsync::testing::RedisServer server;
  hbsync::redis::Client redis(hbsync::redis::Options{.url = server.url()});
  hbsync::history::History history(redis);
  const int64_t day = 24LL * 3600 * 1000;
  const int64_t now = 1'700'000'000'000;
  for (int i = 0; i < 30; ++i) {  // older than a day: not counted
    history.record(
        "7", {.at_ms = now - 2 * day + i, .direction = "hubspot_to_board", .action = "created"});
  }
  for (int i = 0; i < 12; ++i) {
    history.record("7", {.at_ms = now - day + 1000 + i,
                         .direction = "hubspot_to_board",
                         .action = i % 4 == 0 ? "failed" : "updated"});
  }
  history.record("8", {.at_ms = now, .direction = "hubspot_to_board", .action = "created"});
  const auto counts = history.count_by_action("7", now - day);
  EXPECT_EQ(counts, (std::map<std::string, int64_t>{{"failed", 3}, {"updated", 9}}));
  EXPECT_TRUE(history.count_by_action("9", now - day).empty());
  // The scan budget bounds the work.
  EXPECT_EQ(history.count_by_action("7", now - day, 4).at("updated"), 3);
}

}  // namespace
