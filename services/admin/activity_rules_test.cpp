// The pure rules of the console's history and actions: how an entry is
// retried, when a request is still queued, what the history's query string
// asks for.
#include <gtest/gtest.h>

#include "activity_history.hpp"
#include "activity_requests.hpp"
#include "activity_retry.hpp"

namespace {

using hbsync::admin::activity::BadParameter;
using hbsync::admin::activity::LastRequest;
using hbsync::admin::activity::RetryWith;
using hbsync::history::Entry;

TEST(ActivityRetryWith, FollowsDirectionAndWhatFailed) {
  using hbsync::admin::activity::retry_with;
  const Entry deal{.direction = "hubspot_to_board", .action = "failed", .deal_id = 7};
  EXPECT_EQ(retry_with(deal), RetryWith::deal_replay);
  Entry ok = deal;
  ok.action = "created";
  EXPECT_EQ(retry_with(ok), RetryWith::nothing);
  const Entry property{.direction = "hubspot_to_board", .action = "failed", .company_id = 9};
  EXPECT_EQ(retry_with(property), RetryWith::nothing);
  const Entry update{.direction = "board_to_hubspot", .action = "failed", .deal_id = 7};
  EXPECT_EQ(retry_with(update), RetryWith::sync_now);
  const Entry bulk{.direction = "board_to_hubspot",
                   .action = "failed",
                   .company_id = 0,
                   .client_id = 5,
                   .command_id = "bulk:companies:abc"};
  EXPECT_EQ(retry_with(bulk), RetryWith::bulk_companies);
  Entry waiting = deal;  // recorded before the board connection was saved
  waiting.action = "skipped";
  waiting.reason_code = "board_not_connected";
  EXPECT_EQ(retry_with(waiting), RetryWith::deal_replay);
  waiting.reason_code = "stage_not_mapped";
  EXPECT_EQ(retry_with(waiting), RetryWith::nothing);
  const Entry nowhere{.action = "failed", .deal_id = 7};
  EXPECT_EQ(retry_with(nowhere), RetryWith::nothing);
}

TEST(ActivitySyncQueued, UntilARunTakesOrCoversTheRequest) {
  using hbsync::admin::activity::sync_queued;
  const LastRequest last{.request_id = "r2", .requested_at_ms = 2000};
  EXPECT_FALSE(sync_queued({}, {}));
  EXPECT_TRUE(sync_queued(last, {}));
  EXPECT_TRUE(sync_queued(last, {.state = "succeeded",
                                 .request_id = "r1",
                                 .started_at_ms = 1000,
                                 .finished_at_ms = 1500,
                                 .last_success_at_ms = 1500,
                                 .last_success_started_ms = 1000}));
  EXPECT_FALSE(sync_queued(last, {.state = "running", .request_id = "r2", .started_at_ms = 2100}));
  // A scheduled run that started after the request covers it.
  EXPECT_FALSE(sync_queued(last, {.state = "running", .kind = "scheduled", .started_at_ms = 2000}));
  EXPECT_FALSE(sync_queued(
      last, {.state = "failed", .started_at_ms = 1000, .last_success_started_ms = 2500}));
}

TEST(ActivityBulkQueued, UntilItsRunStarts) {
  using hbsync::admin::activity::bulk_queued;
  using hbsync::bulk::Status;
  const LastRequest last{.request_id = "b2", .requested_at_ms = 2000};
  EXPECT_FALSE(bulk_queued({}, std::nullopt));
  EXPECT_TRUE(bulk_queued(last, std::nullopt));
  EXPECT_TRUE(bulk_queued(last, Status{.run_id = "b1", .state = "done", .started_at_ms = 1000}));
  EXPECT_FALSE(
      bulk_queued(last, Status{.run_id = "b2", .state = "running", .started_at_ms = 2500}));
  EXPECT_FALSE(
      bulk_queued(last, Status{.run_id = "b3", .state = "running", .started_at_ms = 2400}));
}

hbsync::http::Request get(const std::string& target) {
  return {.method = "GET", .target = target};
}

TEST(ActivityPageQuery, DefaultsAndEveryParameter) {
  using hbsync::admin::activity::page_query;
  auto plain = page_query(get("/api/v1/history"));
  ASSERT_TRUE(std::holds_alternative<hbsync::history::PageQuery>(plain));
  const auto& d = std::get<hbsync::history::PageQuery>(plain);
  EXPECT_EQ(d.limit, 50u);
  EXPECT_EQ(d.max_scan, hbsync::admin::activity::kMaxScan);
  EXPECT_TRUE(d.filter.empty());
  EXPECT_TRUE(d.before.empty());

  auto full = page_query(
      get("/api/v1/history?direction=board_to_hubspot&action=failed&reason=link_property%3Ax"
          "&before=1700000000000-3&limit=200"));
  ASSERT_TRUE(std::holds_alternative<hbsync::history::PageQuery>(full));
  const auto& q = std::get<hbsync::history::PageQuery>(full);
  EXPECT_EQ(q.filter.direction, "board_to_hubspot");
  EXPECT_EQ(q.filter.action, "failed");
  EXPECT_EQ(q.filter.reason, "link_property:x");
  EXPECT_EQ(q.before, "1700000000000-3");
  EXPECT_EQ(q.limit, 200u);
}

TEST(ActivityPageQuery, NamesTheWrongParameterInJapanese) {
  using hbsync::admin::activity::page_query;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"direction=sideways", "direction"},
      {"action=exploded", "action"},
      {"reason=a%20b", "reason"},
      {"before=%2B", "before"},
      {"before=1-2-3", "before"},
      {"limit=0", "limit"},
      {"limit=201", "limit"},
      {"limit=-1", "limit"},
      {"limit=ten", "limit"},
      {"limit=", "limit"}};
  for (const auto& [query, name] : cases) {
    auto r = page_query(get("/api/v1/history?" + query));
    ASSERT_TRUE(std::holds_alternative<BadParameter>(r)) << query;
    const auto& bad = std::get<BadParameter>(r);
    EXPECT_EQ(bad.name, name) << query;
    EXPECT_NE(bad.message.find(name), std::string::npos) << bad.message;
    EXPECT_NE(bad.message.find("指定してください"), std::string::npos) << bad.message;
  }
}

}  // namespace
