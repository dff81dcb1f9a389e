// The pure paging and counting rules of libs/history (page.hpp).
#include "hbsync/history/page.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace {

using hbsync::history::ActionTally;
using hbsync::history::Entry;
using hbsync::history::Filter;
using hbsync::history::Page;
using hbsync::history::PageBuilder;
using hbsync::history::PageQuery;

// n entries, newest first: ids "<n>-0" .. "1-0"; every third failed, the
// others updated; every fifth board -> HubSpot.
std::vector<Entry> stream(int n) {
  std::vector<Entry> out;
  for (int i = n; i >= 1; --i) {
    out.push_back({.id = std::to_string(i) + "-0",
                   .at_ms = i,
                   .direction = i % 5 == 0 ? "board_to_hubspot" : "hubspot_to_board",
                   .action = i % 3 == 0 ? "failed" : "updated",
                   .reason_code = i % 3 == 0 ? "hubspot_refused" : ""});
  }
  return out;
}

// Feeds `all` (newest first) from after `query.before` as History::page does.
Page page_of(const std::vector<Entry>& all, PageQuery query) {
  size_t at = 0;
  if (!query.before.empty()) {
    while (at < all.size() && all[at].id != query.before) ++at;
    ++at;
  }
  PageBuilder builder(query);
  while (const size_t wanted = builder.wanted()) {
    const size_t end = std::min(all.size(), at + wanted);
    const bool exhausted = end - at < wanted;
    for (; at < end; ++at) {
      if (!builder.offer(all[at])) return std::move(builder).finish(false);
    }
    if (exhausted) return std::move(builder).finish(true);
  }
  return std::move(builder).finish(false);
}

// Every page until next_before is absent; the ids in order.
std::vector<std::string> walk(const std::vector<Entry>& all, PageQuery query, int* pages) {
  std::vector<std::string> ids;
  *pages = 0;
  for (;;) {
    Page p = page_of(all, query);
    ++*pages;
    for (const auto& e : p.entries) ids.push_back(e.id);
    if (p.next_before.empty()) return ids;
    EXPECT_LT(*pages, 1000) << "paging does not end";
    if (*pages >= 1000) return ids;
    query.before = p.next_before;
  }
}

TEST(HistoryFilter, MatchesEachGivenFieldOnly) {
  const Entry e{.direction = "board_to_hubspot", .action = "failed", .reason_code = "x"};
  EXPECT_TRUE(Filter{}.matches(e));
  EXPECT_TRUE(
      (Filter{.direction = "board_to_hubspot", .action = "failed", .reason = "x"}.matches(e)));
  EXPECT_FALSE(Filter{.direction = "hubspot_to_board"}.matches(e));
  EXPECT_FALSE(Filter{.action = "updated"}.matches(e));
  EXPECT_FALSE(Filter{.reason = "y"}.matches(e));
}

TEST(HistoryPage, UnfilteredPagesCoverEveryEntryOnceNewestFirst) {
  const auto all = stream(250);
  int pages = 0;
  const auto ids = walk(all, {.limit = 50}, &pages);
  ASSERT_EQ(ids.size(), 250u);
  for (size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(ids[i], all[i].id);
  EXPECT_EQ(pages, 5);  // the fifth page knows it is the last: no empty sixth
}

TEST(HistoryPage, FilteredPagesUnderATightScanBudgetLoseNothing) {
  const auto all = stream(250);
  const Filter f{.direction = "board_to_hubspot", .action = "failed"};  // i % 15 == 0: 16 entries
  std::vector<std::string> expected;
  for (const auto& e : all)
    if (f.matches(e)) expected.push_back(e.id);
  ASSERT_EQ(expected.size(), 16u);
  int pages = 0;
  const auto ids = walk(all, {.filter = f, .limit = 3, .max_scan = 20}, &pages);
  EXPECT_EQ(ids, expected);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size());
  EXPECT_GE(pages, 250 / 20);  // the budget cut pages short
}

TEST(HistoryPage, BudgetExhaustedPageIsEmptyButPointsOn) {
  const auto all = stream(100);
  Page p = page_of(all, {.filter = {.action = "deactivated"}, .limit = 10, .max_scan = 30});
  EXPECT_TRUE(p.entries.empty());
  EXPECT_EQ(p.next_before, all[29].id);
  p = page_of(all, {.filter = {.action = "deactivated"}, .limit = 10, .max_scan = 1000});
  EXPECT_TRUE(p.entries.empty());
  EXPECT_EQ(p.next_before, "");
}

TEST(HistoryPage, ExactlyFullLastPageHasNoCursor) {
  const auto all = stream(20);
  Page p = page_of(all, {.limit = 20});
  EXPECT_EQ(p.entries.size(), 20u);
  EXPECT_EQ(p.next_before, "");
  p = page_of(all, {.limit = 19});
  EXPECT_EQ(p.entries.size(), 19u);
  EXPECT_EQ(p.next_before, all[18].id);
}

TEST(HistoryPage, WantsOneBeyondThePageAndBiggerStepsWhenFiltered) {
  PageBuilder plain({.limit = 50});
  EXPECT_EQ(plain.wanted(), 51u);
  PageBuilder filtered({.filter = {.action = "failed"}, .limit = 50, .max_scan = 120});
  EXPECT_EQ(filtered.wanted(), 120u);  // the budget caps the step
}

TEST(HistoryTally, CountsTheWindowAndStopsPastTheSkew) {
  ActionTally tally(1000, 100);
  EXPECT_TRUE(tally.offer({.at_ms = 1500, .action = "created"}));
  EXPECT_TRUE(tally.offer({.at_ms = 1000, .action = "failed"}));
  EXPECT_TRUE(tally.offer({.at_ms = 950, .action = "created"}));   // older, within the skew
  EXPECT_TRUE(tally.offer({.at_ms = 1200, .action = "created"}));  // out of order, counted
  EXPECT_FALSE(tally.offer({.at_ms = 899, .action = "created"}));
  EXPECT_EQ(tally.counts(), (std::map<std::string, int64_t>{{"created", 2}, {"failed", 1}}));
}

TEST(HistoryStreamId, AcceptsOnlyMillisecondsDashSequence) {
  EXPECT_TRUE(hbsync::history::is_stream_id("1700000000000-0"));
  EXPECT_TRUE(hbsync::history::is_stream_id("0-12"));
  for (const char* bad :
       {"", "-", "1-", "-1", "1", "1-0-0", "a-0", "1-0 ", "+", "(1-0", "12345678901234567890-0"}) {
    EXPECT_FALSE(hbsync::history::is_stream_id(bad)) << bad;
  }
}

}  // namespace
