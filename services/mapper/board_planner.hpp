// The mapper's board -> HubSpot decisions (SPEC F4.2-F4.5), pure: a linked
// project's change becomes an UpdateDealFromBoard with the stage its state
// maps to (domain::target_deal_stage) and the amount (F4.4), or a RecordSkip
// saying why nothing can be written. Whether the deal already has that stage
// and amount, and conflicts with HubSpot's own changes (F4.7), are decided by
// the writer against the link under the command's claim
// (domain::decide_board_change): the commands of one deal are applied in
// order there, while the mapper's view of the link may be behind.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "hbsync/links/links.hpp"
#include "hbsync/tenant/settings.hpp"
#include "hbsync/v1/events.pb.h"

namespace hbsync::mapper {

namespace board_skip_reason {
inline constexpr std::string_view deal_inactive = "deal_inactive";  // deleted in HubSpot
inline constexpr std::string_view unknown_order_status = "unknown_order_status";
// F4.3: no stage mapped for the project's state and no amount to write.
inline constexpr std::string_view stage_not_mapped = "stage_not_mapped";
}  // namespace board_skip_reason

// The deal's pipeline: the link's, else the tenant's only mapped pipeline;
// nullopt when only HubSpot can tell (a link from before links kept it).
std::optional<std::string> deal_pipeline(const tenant::Settings& settings,
                                         const links::DealLink& link);

struct BoardPlanInput {
  const tenant::Settings& settings;
  const v1::BoardProjectChange& change;
  int64_t deal_id = 0;
  const links::DealLink& link;
  std::string_view pipeline_id;
  // The amount to write (domain::deal_amount of `total`) when amount sync
  // is on and board sent one, with its keyed digest (tenant::amount_digest):
  // the digest, never the amount, goes into the command id.
  std::optional<std::string> amount;
  std::string amount_digest;
  std::chrono::system_clock::time_point now;
};

// UpdateDealFromBoard (sealed_amount left for the caller to fill: sealing is
// not deterministic) or RecordSkip (direction board_to_hubspot). Command ids
// from domain::idempotency_key: the board's updated_at is the revision and
// the decision digest covers status, pipeline, stage and amount digest, so
// duplicates of one change share an id.
v1::SyncCommand plan_board_change(const BoardPlanInput& input);

}  // namespace hbsync::mapper
