// Decisions on a board project change for its linked HubSpot deal (SPEC F4.3,
// F4.4, F4.7): which stage and amount to write, or why nothing is written.
// Pure: the writer calls decide_board_change() under the command's claim,
// with the link state it keeps (libs/links), so duplicates and reorderings of
// one deal's commands are decided against the latest state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "hbsync/domain/stage_mapping.hpp"

namespace hbsync::domain {

// F4.4: board's `total` ("90000.0", "1234.50", "0") as a HubSpot amount
// ("90000", "1234.5", "0"): trailing fraction zeros dropped, so the same
// amount always reads the same. nullopt when it is not a plain non-negative
// or negative decimal number (empty included): the amount is then left alone.
std::optional<std::string> deal_amount(std::string_view board_total);

// What the link knows about the deal (libs/links DealLink).
struct DealSideState {
  // The stage HubSpot is known to have (written by us or seen in a HubSpot
  // change); nullopt when not known yet.
  std::optional<std::string> known_stage{};
  // The deal's updatedAt of the last HubSpot-originated stage change seen
  // (0: none seen).
  int64_t hubspot_changed_ms = 0;
  // board's updated_at of the last board change applied (0: none).
  int64_t board_synced_ms = 0;
  // Whether the amount to write is the one last written (compared by digest:
  // amounts are never kept, SPEC F9).
  bool amount_already_written = false;
};

struct BoardChange {
  // The stage the project's state maps to (target_deal_stage()); no stage id:
  // the order status (or invoice state) has no stage in the deal's pipeline.
  StageTarget target{};
  // The amount to write (deal_amount() of `total`) when amount sync is on and
  // board sent one; nullopt: leave the deal's amount alone.
  std::optional<std::string> amount{};
  int64_t board_updated_ms = 0;  // the project's updated_at
};

// History reason codes of the decision.
namespace board_reason {
inline constexpr std::string_view changed = "board_changed";  // something is written
inline constexpr std::string_view unchanged = "unchanged";    // HubSpot has it (or our echo)
inline constexpr std::string_view stale = "stale_change";     // older than the one applied
inline constexpr std::string_view stage_not_mapped = "stage_not_mapped";  // F4.3: no write
inline constexpr std::string_view conflict_hubspot_newer = "conflict_hubspot_newer";  // F4.7
}  // namespace board_reason

struct BoardDecision {
  std::optional<std::string> stage{};   // write this stage
  std::optional<std::string> amount{};  // write this amount
  std::string_view reason_code{};       // a board_reason
  // The stage was not written because HubSpot changed later (the amount may
  // still be).
  bool stage_conflict = false;

  bool writes() const { return stage.has_value() || amount.has_value(); }
};

// F4.3/F4.4/F4.7 for one linked deal:
// - a change older than the last one applied (board_updated_ms <
//   board_synced_ms) writes nothing (stale);
// - the stage is written when it differs from the known stage, unless
//   HubSpot changed the stage since the last sync (hubspot_changed_ms >
//   board_synced_ms) later than board did (later_change_wins: a tie goes to
//   board);
// - the amount is written when given and not the one last written;
// - nothing to write: conflict_hubspot_newer, else stage_not_mapped (the
//   target has no stage), else unchanged (our own write seen again, or
//   HubSpot already there).
BoardDecision decide_board_change(const DealSideState& deal, const BoardChange& change);

// F4.7 from the HubSpot side: a HubSpot stage change at `deal_updated_ms`
// that would change board is older than (or as old as) the board change last
// applied to the deal: board wins, nothing is written to board.
bool board_change_is_newer(int64_t deal_updated_ms, int64_t board_synced_ms);

}  // namespace hbsync::domain
