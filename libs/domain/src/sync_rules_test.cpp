#include "hbsync/domain/sync_rules.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hbsync::domain {
namespace {

using O = OrderStatus;

StageMapping mapping() {
  StageMapping m;
  m.pipelines["default"] = {
      {StageRow::order_1, "lead"}, {StageRow::order_4, "contract"}, {StageRow::order_5, "won"},
      {StageRow::order_9, "lost"}, {StageRow::invoiced, "billed"},  {StageRow::paid, "paid"},
  };
  return m;
}

// SPEC F2: synced only when the stage is mapped to one of the seven order statuses.
TEST(ShouldSyncDealTest, OnlyStagesMappedToOrderStatuses) {
  const StageMapping m = mapping();
  struct Case {
    std::string pipeline, stage;
    bool want;
  };
  const std::vector<Case> cases = {
      {"default", "lead", true},   {"default", "contract", true}, {"default", "won", true},
      {"default", "lost", true},   {"default", "billed", false},  {"default", "paid", false},
      {"default", "other", false}, {"other", "won", false},       {"", "", false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(should_sync_deal(m, c.pipeline, c.stage), c.want) << c.pipeline << "/" << c.stage;
  }
}

// F3.6: board's order status is updated only when it differs.
TEST(OrderStatusUpdateTest, OnlyWhenDifferent) {
  struct Case {
    std::string name;
    std::optional<O> linked, mapped, want;
  };
  const std::vector<Case> cases = {
      {"differs", O::estimate_high, O::ordered, O::ordered},
      {"same", O::ordered, O::ordered, std::nullopt},
      {"nothing_mapped", O::ordered, std::nullopt, std::nullopt},
      {"unknown_current", std::nullopt, O::lost, O::lost},
      {"neither", std::nullopt, std::nullopt, std::nullopt},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(order_status_update(c.linked, c.mapped), c.want) << c.name;
  }
}

// F3.5/F3.6 together, with the history reason codes.
TEST(DecideDealSyncTest, Decisions) {
  const StageMapping m = mapping();
  struct Case {
    std::string name, pipeline, stage;
    std::optional<O> linked;
    DealAction action;
    std::optional<O> status;
    std::string_view reason;
  };
  const std::vector<Case> cases = {
      {"new_deal_in_mapped_stage", "default", "lead", std::nullopt, DealAction::create_project,
       O::estimate_high, "stage_mapped"},
      {"linked_moves_to_won", "default", "won", O::estimate_high, DealAction::update_order_status,
       O::ordered, "stage_mapped"},
      {"linked_same_status", "default", "won", O::ordered, DealAction::no_change, std::nullopt,
       "status_unchanged"},
      {"moved_into_invoiced", "default", "billed", O::ordered, DealAction::skip, std::nullopt,
       "stage_is_invoice_state"},
      {"moved_into_paid", "default", "paid", O::ordered, DealAction::skip, std::nullopt,
       "stage_is_invoice_state"},
      {"new_deal_in_paid_stage", "default", "paid", std::nullopt, DealAction::skip, std::nullopt,
       "stage_is_invoice_state"},
      {"unmapped_stage", "default", "qualified", O::estimate_high, DealAction::skip, std::nullopt,
       "stage_not_mapped"},
      {"unmapped_pipeline", "sales2", "won", std::nullopt, DealAction::skip, std::nullopt,
       "pipeline_not_mapped"},
  };
  for (const auto& c : cases) {
    const auto d = decide_deal_sync(m, c.pipeline, c.stage, c.linked);
    EXPECT_EQ(d.action, c.action) << c.name;
    EXPECT_EQ(d.order_status, c.status) << c.name;
    EXPECT_EQ(d.reason_code, c.reason) << c.name;
  }
  EXPECT_EQ(to_string(DealAction::create_project), "create_project");
  EXPECT_EQ(to_string(DealAction::update_order_status), "update_order_status");
  EXPECT_EQ(to_string(DealAction::no_change), "no_change");
  EXPECT_EQ(to_string(DealAction::skip), "skip");
}

// F4.3: the deal is updated only if its stage differs.
TEST(DealStageUpdateTest, OnlyWhenDifferentAndKnown) {
  StageTarget target;
  target.stage_id = "won";
  EXPECT_EQ(deal_stage_update("lead", target), "won");
  EXPECT_FALSE(deal_stage_update("won", target));
  EXPECT_FALSE(deal_stage_update("lead", StageTarget{}));
}

// F4.7: the later change wins by timestamp; a tie goes to board.
TEST(ConflictTest, LaterChangeWinsTieGoesToBoard) {
  struct Case {
    std::string name;
    int64_t hubspot_ms, board_ms;
    Side want;
  };
  const std::vector<Case> cases = {
      {"hubspot_later", 2000, 1000, Side::hubspot},
      {"board_later", 1000, 2000, Side::board},
      {"tie", 1500, 1500, Side::board},
      {"one_ms_apart", 1501, 1500, Side::hubspot},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(later_change_wins(c.hubspot_ms, c.board_ms), c.want) << c.name;
  }
}

TEST(ConflictTest, OnlyOneSideChanged) {
  EXPECT_EQ(resolve_conflict(100, std::nullopt), Side::hubspot);
  EXPECT_EQ(resolve_conflict(std::nullopt, 100), Side::board);
  EXPECT_EQ(resolve_conflict(std::nullopt, std::nullopt), std::nullopt);
  EXPECT_EQ(resolve_conflict(200, 100), Side::hubspot);
  EXPECT_EQ(resolve_conflict(100, 100), Side::board);
  EXPECT_EQ(to_string(Side::hubspot), "hubspot");
  EXPECT_EQ(to_string(Side::board), "board");
}

// F4.7: our own write seen again is not a change.
TEST(EchoTest, OwnWriteSeenAgainIsNotAChange) {
  const std::optional<std::string> wrote = "won";
  EXPECT_TRUE(is_echo(wrote, std::string("won")));
  EXPECT_TRUE(is_echo(wrote, std::string_view("won")));
  EXPECT_FALSE(is_echo(wrote, std::string("lead")));
  EXPECT_FALSE(is_echo(std::optional<std::string>{}, std::string("won")));
  EXPECT_TRUE(is_echo(std::optional<int>(5), 5));
}

TEST(EchoTest, ExternalChange) {
  using Opt = std::optional<int>;
  struct Case {
    std::string name;
    Opt last_synced, last_written;
    int observed;
    bool want;
  };
  const std::vector<Case> cases = {
      {"our_echo", 1, 5, 5, false},         {"unchanged", 5, std::nullopt, 5, false},
      {"user_change", 5, 5, 4, true},       {"first_sight", std::nullopt, std::nullopt, 1, true},
      {"differs_from_both", 1, 2, 3, true},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(is_external_change(c.last_synced, c.last_written, c.observed), c.want) << c.name;
  }
}

}  // namespace
}  // namespace hbsync::domain
