// The mapper's board -> HubSpot plan (SPEC F4.3-F4.5): what a linked
// project's change becomes.
#include "board_planner.hpp"

#include <gtest/gtest.h>

#include "planner.hpp"

namespace hbsync::mapper {
namespace {

using domain::StageRow;

tenant::Settings settings() {
  tenant::Settings s;
  s.tenant_id = "t1";
  s.stage_mapping.pipelines["default"] = {{StageRow::order_1, "lead"},
                                          {StageRow::order_4, "contract"},
                                          {StageRow::order_5, "won"},
                                          {StageRow::invoiced, "billed"},
                                          {StageRow::paid, "paid"}};
  return s;
}

v1::BoardProjectChange change(int status, std::vector<int> invoices = {}, int64_t at = 5000) {
  v1::BoardProjectChange c;
  c.set_tenant_id("t1");
  c.set_project_id(700);
  c.set_order_status(status);
  for (int i : invoices) c.add_invoice_statuses(i);
  c.set_total("90000.0");
  c.set_updated_at_ms(at);
  c.set_observed_at_ms(at + 60000);
  return c;
}

v1::SyncCommand plan(const tenant::Settings& s, const v1::BoardProjectChange& c,
                     const links::DealLink& link, std::optional<std::string> amount = {},
                     std::string digest = {}) {
  return plan_board_change({.settings = s,
                            .change = c,
                            .deal_id = 20,
                            .link = link,
                            .pipeline_id = "default",
                            .amount = std::move(amount),
                            .amount_digest = std::move(digest),
                            .now = std::chrono::system_clock::time_point(std::chrono::seconds(9))});
}

TEST(BoardPlannerTest, CommandsStartWhenThePollerSawTheChange) {
  const auto s = settings();
  // An update and a skip alike: the sync latency runs from the poller's
  // observation, not from board's updated_at (the poll interval is no part
  // of what hbsync can speed up).
  const auto update = plan(s, change(5), {.project_id = 700, .order_status = 1});
  ASSERT_TRUE(update.has_update_deal());
  EXPECT_EQ(update.origin_at_ms(), 65000);
  const auto skipped = plan(s, change(5), {.project_id = 700, .order_status = 1, .active = false});
  ASSERT_TRUE(skipped.has_record_skip());
  EXPECT_EQ(skipped.origin_at_ms(), 65000);
}

TEST(BoardPlannerTest, StatusAndInvoicesGiveTheStage) {
  const auto s = settings();
  const links::DealLink link{.project_id = 700, .order_status = 1};
  struct Case {
    int status;
    std::vector<int> invoices;
    std::string stage;
  };
  const std::vector<Case> cases = {
      {4, {}, "contract"},   {5, {}, "won"},     {5, {2}, "billed"},   {5, {3, 3}, "paid"},
      {5, {3, 1}, "billed"}, {5, {1, 4}, "won"}, {4, {3}, "contract"},
  };
  for (const auto& c : cases) {
    auto cmd = plan(s, change(c.status, c.invoices), link);
    ASSERT_TRUE(cmd.has_update_deal()) << c.status;
    const auto& u = cmd.update_deal();
    EXPECT_EQ(u.stage_id(), c.stage) << c.status;
    EXPECT_EQ(u.deal_id(), 20);
    EXPECT_EQ(u.project_id(), 700);
    EXPECT_EQ(u.order_status(), c.status);
    EXPECT_EQ(u.pipeline_id(), "default");
    EXPECT_EQ(u.board_updated_at_ms(), 5000);
    EXPECT_TRUE(u.amount().empty());  // amounts never travel in clear
    EXPECT_EQ(command_key(cmd), "t1:deal:20");
  }
}

TEST(BoardPlannerTest, UnmappedStageWithoutAmountIsASkip) {
  const auto s = settings();
  const links::DealLink link{.project_id = 700};
  auto cmd = plan(s, change(2), link);  // 見積中(中): no stage mapped
  ASSERT_TRUE(cmd.has_record_skip());
  EXPECT_EQ(cmd.record_skip().direction(), "board_to_hubspot");
  EXPECT_EQ(cmd.record_skip().reason_code(), board_skip_reason::stage_not_mapped);
  EXPECT_EQ(cmd.record_skip().object_id(), 20);
  EXPECT_EQ(cmd.record_skip().project_id(), 700);
  // With an amount to write the writer decides (amount only).
  auto with_amount = plan(s, change(2), link, "90000", "k1:aa");
  ASSERT_TRUE(with_amount.has_update_deal());
  EXPECT_EQ(with_amount.update_deal().stage_id(), "");
  // Inactive links and unknown statuses are skips too.
  EXPECT_EQ(plan(s, change(4), {.project_id = 700, .active = false}).record_skip().reason_code(),
            board_skip_reason::deal_inactive);
  EXPECT_EQ(plan(s, change(77), link).record_skip().reason_code(),
            board_skip_reason::unknown_order_status);
}

TEST(BoardPlannerTest, DuplicatesShareAnIdAndNewStatesDoNot) {
  const auto s = settings();
  const links::DealLink link{.project_id = 700};
  const auto a = plan(s, change(4), link, "90000", "k1:aa").command_id();
  EXPECT_EQ(plan(s, change(4), link, "90000", "k1:aa").command_id(), a);
  EXPECT_NE(plan(s, change(4, {}, 5001), link, "90000", "k1:aa").command_id(), a);
  EXPECT_NE(plan(s, change(4), link, "90001", "k1:bb").command_id(), a);
  EXPECT_NE(plan(s, change(5), link, "90000", "k1:aa").command_id(), a);
  EXPECT_EQ(a.find("90000"), std::string::npos);  // the amount is not in the id
}

TEST(BoardPlannerTest, ThePipelineIsTheLinksOrTheOnlyMappedOne) {
  auto s = settings();
  EXPECT_EQ(deal_pipeline(s, {.pipeline_id = "p2"}).value_or(""), "p2");
  EXPECT_EQ(deal_pipeline(s, {}).value_or(""), "default");
  s.stage_mapping.pipelines["p2"] = {{StageRow::order_1, "x"}};
  EXPECT_FALSE(deal_pipeline(s, {}).has_value());
}

}  // namespace
}  // namespace hbsync::mapper
