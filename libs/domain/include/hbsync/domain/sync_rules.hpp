// Decisions the mapper makes per deal (SPEC F3.5, F3.6, F4.3, F4.7).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "hbsync/domain/stage_mapping.hpp"
#include "hbsync/domain/status.hpp"

namespace hbsync::domain {

// F2: a deal goes to board only while its stage is mapped to one of the seven
// order statuses.
bool should_sync_deal(const StageMapping& mapping, std::string_view pipeline_id,
                      std::string_view stage_id);

// F3.6: the order status to write to the linked project, or nullopt when
// nothing is to be written (no mapped status, or board already has it). An
// unknown current status (nullopt) is written.
std::optional<OrderStatus> order_status_update(std::optional<OrderStatus> linked_project_status,
                                               std::optional<OrderStatus> mapped_status);

enum class DealAction {
  create_project,       // not linked yet: create (or recover) the project
  update_order_status,  // linked and board's status differs
  no_change,            // linked and board already has the status
  skip,                 // stage does not drive board
};
std::string_view to_string(DealAction action);

struct DealDecision {
  DealAction action = DealAction::skip;
  std::optional<OrderStatus> order_status;  // set for create / update
  // History reason code: "stage_mapped" (create / update), "status_unchanged",
  // "pipeline_not_mapped", "stage_not_mapped", "stage_is_invoice_state".
  std::string_view reason_code;
};

// F3.5 + F3.6 in one place. `linked_project_status` is the status recorded
// with the deal's link; nullopt when the deal has no project yet. The company
// check (F3.2) is separate: see resolve_company().
DealDecision decide_deal_sync(const StageMapping& mapping, std::string_view pipeline_id,
                              std::string_view stage_id,
                              std::optional<OrderStatus> linked_project_status);

// F4.3: the stage to write, or nullopt when the target is "no change" or the
// deal is already there.
std::optional<std::string> deal_stage_update(std::string_view current_stage_id,
                                             const StageTarget& target);

enum class Side { hubspot, board };
std::string_view to_string(Side side);  // "hubspot", "board"

// F4.7 for two change times (epoch ms): the later wins, a tie goes to board
// (board holds the quote and invoice; HubSpot only mirrors its status).
Side later_change_wins(int64_t hubspot_changed_at_ms, int64_t board_changed_at_ms);

// F4.7 with "did it change": nullopt for a side that did not change since the
// last sync. Returns the side whose value should be applied to the other,
// nullopt when neither changed.
std::optional<Side> resolve_conflict(std::optional<int64_t> hubspot_changed_at_ms,
                                     std::optional<int64_t> board_changed_at_ms);

// F4.7 echo suppression: a value equal to the last one this app wrote to that
// side is our own write coming back (a webhook of our deal update, a poll of
// our board update), not a change. For this to stay correct the caller must
// replace the recorded value whenever a change from that side is applied,
// otherwise a user who moves A -> B -> A would have the second A taken for an
// echo.
template <typename Recorded, typename Observed>
bool is_echo(const std::optional<Recorded>& last_written_by_app, const Observed& observed) {
  return last_written_by_app.has_value() && *last_written_by_app == observed;
}

// A change worth acting on: differs from what was last synced and is not our
// own echo.
template <typename Recorded, typename Observed>
bool is_external_change(const std::optional<Recorded>& last_synced,
                        const std::optional<Recorded>& last_written_by_app,
                        const Observed& observed) {
  if (is_echo(last_written_by_app, observed)) return false;
  return !last_synced.has_value() || !(*last_synced == observed);
}

}  // namespace hbsync::domain
