// GET /api/v1/history and /api/v1/history/summary (docs/admin-api.yaml,
// "history and actions"): paging, filters, validation, the 24 h counts.
#include <set>

#include "activity_test_support.hpp"
#include "hbsync/history/page.hpp"

namespace hbsync::admin::activity::test {
namespace {

class HistoryApi : public ActivityApi {};

// 250 entries, mixed: directions, actions, reasons.
std::vector<Entry> mixed(int n) {
  static const char* kActions[] = {"created", "updated", "failed", "skipped", "linked"};
  std::vector<Entry> out;
  for (int i = 1; i <= n; ++i) {
    const std::string action = kActions[i % 5];
    out.push_back({.direction = i % 3 == 0 ? "board_to_hubspot" : "hubspot_to_board",
                   .action = action,
                   .deal_id = 1000 + i,
                   .project_id = i % 2 == 0 ? 2000 + i : 0,
                   .reason_code = action == "failed"
                                      ? (i % 4 == 0 ? "hubspot_refused" : "board_rejected")
                                  : action == "skipped" ? "no_company"
                                                        : "",
                   .message = "entry " + std::to_string(i),
                   .attempts = 1});
  }
  return out;
}

TEST_F(HistoryApi, HistoryPagesLoseAndRepeatNothingWithOrWithoutFilters) {
  const std::string t = stack().make_tenant();
  const std::string other = stack().make_tenant();
  for (const auto& e : mixed(250)) history().record(t, e);
  history().record(other, {.direction = "board_to_hubspot", .action = "failed", .deal_id = 9});
  const Browser b = stack().sign_in(t);

  const auto all = history().latest(t, 300);
  ASSERT_EQ(all.size(), 250u);
  std::vector<std::string> newest_first;
  for (const auto& e : all) newest_first.push_back(e.id);
  int pages = 0;
  EXPECT_EQ(walk(b, "limit=37", &pages), newest_first);
  EXPECT_EQ(pages, 7);  // 6 full pages and 28: the last one says so

  const hbsync::history::Filter f{
      .direction = "board_to_hubspot", .action = "failed", .reason = "board_rejected"};
  std::vector<std::string> expected;
  for (const auto& e : all)
    if (f.matches(e)) expected.push_back(e.id);
  ASSERT_GT(expected.size(), 5u);
  const auto ids =
      walk(b, "direction=board_to_hubspot&action=failed&reason=board_rejected&limit=4");
  EXPECT_EQ(ids, expected);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size());

  // One entry in full: ids as strings, retryable for a failed one.
  const auto r = get(b, "/api/v1/history?action=failed&direction=board_to_hubspot&limit=1");
  expect_contract("GET", "/api/v1/history", r);
  const auto d = json(r);
  const auto& e = d["entries"][0];
  std::string newest_failed;
  for (const auto& x : all) {
    if (x.direction == "board_to_hubspot" && x.action == "failed") {
      newest_failed = x.id;
      break;
    }
  }
  EXPECT_EQ(e["id"].GetString(), newest_failed);
  EXPECT_EQ(e["action"].GetString(), std::string("failed"));
  EXPECT_TRUE(e["deal_id"].IsString());
  EXPECT_TRUE(e["retryable"].GetBool());
  EXPECT_FALSE(e.HasMember("retried_at_ms"));
  const auto created = json(get(b, "/api/v1/history?action=created&limit=1"));
  EXPECT_FALSE(created["entries"][0]["retryable"].GetBool());
}

TEST_F(HistoryApi, ARareFilterFindsItsEntryPastTheScanBudget) {
  const std::string t = stack().make_tenant();
  const std::string oldest = record(t, {.direction = "hubspot_to_board",
                                        .action = "failed",
                                        .deal_id = 1,
                                        .reason_code = "board_unavailable"});
  for (int i = 0; i < 2100; ++i) {
    history().record(t, {.direction = "hubspot_to_board", .action = "updated", .deal_id = 2 + i});
  }
  const Browser b = stack().sign_in(t);
  const auto first = get(b, "/api/v1/history?reason=board_unavailable");
  expect_contract("GET", "/api/v1/history", first);
  const auto d = json(first);
  EXPECT_EQ(d["entries"].Size(), 0u);  // 2000 scanned, none matched
  ASSERT_TRUE(d.HasMember("next_before"));
  EXPECT_EQ(walk(b, "reason=board_unavailable"), std::vector<std::string>{oldest});
}

TEST_F(HistoryApi, HistoryRefusesBadParametersAndStrangers) {
  const std::string t = stack().make_tenant();
  const Browser b = stack().sign_in(t);
  for (const char* q : {"direction=sideways", "action=exploded", "limit=0", "limit=201", "limit=x",
                        "before=abc", "reason=a%20b"}) {
    const auto r = get(b, std::string("/api/v1/history?") + q);
    expect_contract("GET", "/api/v1/history", r);
    EXPECT_EQ(r.status, 400) << q;
    EXPECT_EQ(error_code(r), "invalid_parameter") << q;
  }
  const auto r = get(b, "/api/v1/history?direction=sideways");
  EXPECT_NE(json(r)["error"]["message"].GetString(), std::string()) << r.body;
  EXPECT_NE(r.body.find("指定してください"), std::string::npos) << r.body;

  const Browser nobody;
  for (const char* path : {"/api/v1/history", "/api/v1/history/summary", "/api/v1/sync/status",
                           "/api/v1/bulk-sync/companies"}) {
    const auto u = get(nobody, path);
    expect_contract("GET", path, u);
    EXPECT_EQ(u.status, 401) << path;
  }
  for (const auto& [path, pattern] : std::vector<std::pair<std::string, std::string>>{
           {"/api/v1/history/1-0/retry", "/api/v1/history/{id}/retry"},
           {"/api/v1/sync/now", "/api/v1/sync/now"},
           {"/api/v1/bulk-sync/companies", "/api/v1/bulk-sync/companies"}}) {
    const auto c = stack().send(b, "POST", path, "", /*csrf=*/false);
    expect_contract("POST", pattern, c);
    EXPECT_EQ(c.status, 403) << path;
    const auto u = stack().send(nobody, "POST", path);
    expect_contract("POST", pattern, u);
    EXPECT_EQ(u.status, 401) << path;
  }
}

TEST_F(HistoryApi, SummaryCountsTheLastDayOnly) {
  const std::string t = stack().make_tenant();
  const std::string other = stack().make_tenant();
  const int64_t now = now_ms();
  for (int i = 0; i < 5; ++i) {
    history().record(t, {.at_ms = now - 25 * kHourMs,
                         .direction = "hubspot_to_board",
                         .action = "created",
                         .deal_id = i + 1});
  }
  for (int i = 0; i < 2; ++i) {
    history().record(t, {.at_ms = now - 23 * kHourMs,
                         .direction = "hubspot_to_board",
                         .action = "failed",
                         .deal_id = i + 10});
  }
  for (int i = 0; i < 3; ++i) {
    history().record(t, {.direction = "board_to_hubspot", .action = "updated", .deal_id = i + 20});
  }
  history().record(other, {.direction = "hubspot_to_board", .action = "created", .deal_id = 99});
  const auto r = get(stack().sign_in(t), "/api/v1/history/summary");
  expect_contract("GET", "/api/v1/history/summary", r);
  ASSERT_EQ(r.status, 200);
  const auto d = json(r);
  EXPECT_GE(d["since_ms"].GetInt64(), now - 24 * kHourMs);
  EXPECT_LE(d["since_ms"].GetInt64(), now_ms() - 24 * kHourMs);
  EXPECT_EQ(d["counts"]["created"].GetInt64(), 0);
  EXPECT_EQ(d["counts"]["failed"].GetInt64(), 2);
  EXPECT_EQ(d["counts"]["updated"].GetInt64(), 3);
}

}  // namespace
}  // namespace hbsync::admin::activity::test
