// SPEC F4.3, F4.4, F4.5 (through target_deal_stage), F4.7: the board ->
// HubSpot decision for one linked deal, one table per clause.
#include "hbsync/domain/board_change.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hbsync::domain {
namespace {

using O = OrderStatus;
using I = InvoiceStatus;

StageMapping mapping() {
  StageMapping m;
  m.pipelines["default"] = {
      {StageRow::order_1, "lead"}, {StageRow::order_4, "contract"}, {StageRow::order_5, "won"},
      {StageRow::order_9, "lost"}, {StageRow::invoiced, "billed"},  {StageRow::paid, "paid"},
  };
  return m;
}

BoardChange change(O status, std::vector<I> invoices = {}, int64_t at = 1000,
                   std::optional<std::string> amount = std::nullopt) {
  return {.target = target_deal_stage(mapping(), "default", status, invoices),
          .amount = std::move(amount),
          .board_updated_ms = at};
}

// F4.4: board's total as the deal amount; anything else leaves it alone.
TEST(DealAmountTest, BoardTotalsBecomeHubSpotAmounts) {
  struct Case {
    std::string total;
    std::optional<std::string> want;
  };
  const std::vector<Case> cases = {
      {"90000.0", "90000"},
      {"90000", "90000"},
      {"1234.50", "1234.5"},
      {"0.0", "0"},
      {"0", "0"},
      {"007.10", "7.1"},
      {"-500.0", "-500"},
      {"-0.0", "0"},
      {"", std::nullopt},
      {"abc", std::nullopt},
      {"1.", std::nullopt},
      {".5", std::nullopt},
      {"1,000", std::nullopt},
      {"1e5", std::nullopt},
      {" 1", std::nullopt},
      {"-", std::nullopt},
  };
  for (const auto& c : cases) EXPECT_EQ(deal_amount(c.total), c.want) << "'" << c.total << "'";
}

// F4.3 + F4.5: the stage written is the mapped stage of the project's state,
// and only when HubSpot does not have it yet.
TEST(DecideBoardChangeTest, StageOfTheOrderStatusAndInvoices) {
  struct Case {
    const char* name;
    BoardChange c;
    std::optional<std::string> known;
    std::optional<std::string> want_stage;
    std::string_view reason;
  };
  const std::vector<Case> cases = {
      {"status to its stage", change(O::order_confirmed), "lead", "contract",
       board_reason::changed},
      {"unknown stage is written", change(O::order_confirmed), std::nullopt, "contract",
       board_reason::changed},
      {"already there", change(O::order_confirmed), "contract", std::nullopt,
       board_reason::unchanged},
      {"ordered, one invoice billed", change(O::ordered, {I::billed}), "won", "billed",
       board_reason::changed},
      {"ordered, all paid", change(O::ordered, {I::paid, I::paid}), "billed", "paid",
       board_reason::changed},
      {"ordered, one of two paid", change(O::ordered, {I::paid, I::unbilled}), "won", "billed",
       board_reason::changed},
      {"ordered, none billed", change(O::ordered, {I::unbilled, I::ready_to_bill}), "lead", "won",
       board_reason::changed},
      {"invoices ignored unless ordered", change(O::order_confirmed, {I::paid}), "lead", "contract",
       board_reason::changed},
      {"unmapped status: no write", change(O::estimate_medium), "lead", std::nullopt,
       board_reason::stage_not_mapped},
  };
  for (const auto& c : cases) {
    auto d = decide_board_change({.known_stage = c.known}, c.c);
    EXPECT_EQ(d.stage, c.want_stage) << c.name;
    EXPECT_EQ(d.reason_code, c.reason) << c.name;
    EXPECT_FALSE(d.amount.has_value()) << c.name;
  }
}

// F4.4: the amount is written when given (amount sync on) and not the one
// written last; F4.3 unmapped stage with a new amount still writes the amount.
TEST(DecideBoardChangeTest, AmountOnlyWhenGivenAndNew) {
  struct Case {
    const char* name;
    std::optional<std::string> amount;
    bool already;
    O status;
    std::optional<std::string> want_amount;
    std::string_view reason;
  };
  const std::vector<Case> cases = {
      {"new amount", "90000", false, O::order_confirmed, "90000", board_reason::changed},
      {"same amount", "90000", true, O::order_confirmed, std::nullopt, board_reason::unchanged},
      {"amount sync off", std::nullopt, false, O::order_confirmed, std::nullopt,
       board_reason::unchanged},
      {"unmapped stage, new amount", "5", false, O::estimate_medium, "5", board_reason::changed},
      {"unmapped stage, same amount", "5", true, O::estimate_medium, std::nullopt,
       board_reason::stage_not_mapped},
  };
  for (const auto& c : cases) {
    auto d = decide_board_change({.known_stage = "contract", .amount_already_written = c.already},
                                 change(c.status, {}, 1000, c.amount));
    EXPECT_EQ(d.amount, c.want_amount) << c.name;
    EXPECT_FALSE(d.stage.has_value()) << c.name;
    EXPECT_EQ(d.reason_code, c.reason) << c.name;
  }
}

// F4.7: both sides changed since the last sync -> the later wins, a tie goes
// to board; a HubSpot change already synced (older than the last board sync)
// is not a conflict; a stale board change writes nothing.
TEST(DecideBoardChangeTest, ConflictsAndStaleChanges) {
  struct Case {
    const char* name;
    int64_t hubspot_changed, board_synced, board_at;
    bool want_stage;
    std::string_view reason;
  };
  const std::vector<Case> cases = {
      {"hubspot later", 2000, 500, 1500, false, board_reason::conflict_hubspot_newer},
      {"board later", 1500, 500, 2000, true, board_reason::changed},
      {"tie goes to board", 2000, 500, 2000, true, board_reason::changed},
      {"hubspot change synced before", 400, 500, 1000, true, board_reason::changed},
      {"no hubspot change", 0, 0, 1000, true, board_reason::changed},
      {"stale board change", 0, 2000, 1000, false, board_reason::stale},
      {"same board change again", 0, 1000, 1000, true, board_reason::changed},
  };
  for (const auto& c : cases) {
    auto d = decide_board_change({.known_stage = "lead",
                                  .hubspot_changed_ms = c.hubspot_changed,
                                  .board_synced_ms = c.board_synced},
                                 change(O::order_confirmed, {}, c.board_at));
    EXPECT_EQ(d.stage.has_value(), c.want_stage) << c.name;
    EXPECT_EQ(d.reason_code, c.reason) << c.name;
  }
  // HubSpot wins the stage, the amount (board's only) is still written.
  auto d = decide_board_change(
      {.known_stage = "lead", .hubspot_changed_ms = 2000, .board_synced_ms = 500},
      change(O::order_confirmed, {}, 1500, "7"));
  EXPECT_FALSE(d.stage.has_value());
  EXPECT_TRUE(d.stage_conflict);
  EXPECT_EQ(d.amount, "7");
}

// F4.7 from the HubSpot side: a stage change no later than the board change
// last applied does not go to board.
TEST(BoardChangeIsNewerTest, LaterWinsTieToBoard) {
  struct Case {
    int64_t deal_updated, board_synced;
    bool want;
  };
  const std::vector<Case> cases = {
      {1000, 2000, true}, {2000, 2000, true}, {3000, 2000, false}, {1000, 0, false}, {0, 0, false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(board_change_is_newer(c.deal_updated, c.board_synced), c.want)
        << c.deal_updated << " vs " << c.board_synced;
  }
}

}  // namespace
}  // namespace hbsync::domain
