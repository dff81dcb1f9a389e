#include "hbsync/domain/sync_rules.hpp"

namespace hbsync::domain {

bool should_sync_deal(const StageMapping& mapping, std::string_view pipeline_id,
                      std::string_view stage_id) {
  return order_status_for_stage(mapping, pipeline_id, stage_id).has_value();
}

std::optional<OrderStatus> order_status_update(std::optional<OrderStatus> linked_project_status,
                                               std::optional<OrderStatus> mapped_status) {
  if (!mapped_status || linked_project_status == mapped_status) return std::nullopt;
  return mapped_status;
}

std::string_view to_string(DealAction action) {
  switch (action) {
    case DealAction::create_project:
      return "create_project";
    case DealAction::update_order_status:
      return "update_order_status";
    case DealAction::no_change:
      return "no_change";
    case DealAction::skip:
      return "skip";
  }
  return "skip";
}

DealDecision decide_deal_sync(const StageMapping& mapping, std::string_view pipeline_id,
                              std::string_view stage_id,
                              std::optional<OrderStatus> linked_project_status) {
  if (mapping.find(pipeline_id) == nullptr) {
    return {DealAction::skip, std::nullopt, "pipeline_not_mapped"};
  }
  const auto row = row_for_stage(mapping, pipeline_id, stage_id);
  if (!row) return {DealAction::skip, std::nullopt, "stage_not_mapped"};
  const auto status = order_status_of(*row);
  if (!status) return {DealAction::skip, std::nullopt, "stage_is_invoice_state"};
  if (!linked_project_status) return {DealAction::create_project, status, "stage_mapped"};
  if (order_status_update(linked_project_status, status)) {
    return {DealAction::update_order_status, status, "stage_mapped"};
  }
  return {DealAction::no_change, std::nullopt, "status_unchanged"};
}

std::optional<std::string> deal_stage_update(std::string_view current_stage_id,
                                             const StageTarget& target) {
  if (!target.stage_id || *target.stage_id == current_stage_id) return std::nullopt;
  return target.stage_id;
}

std::string_view to_string(Side side) {
  return side == Side::hubspot ? "hubspot" : "board";
}

Side later_change_wins(int64_t hubspot_changed_at_ms, int64_t board_changed_at_ms) {
  return hubspot_changed_at_ms > board_changed_at_ms ? Side::hubspot : Side::board;
}

std::optional<Side> resolve_conflict(std::optional<int64_t> hubspot_changed_at_ms,
                                     std::optional<int64_t> board_changed_at_ms) {
  if (hubspot_changed_at_ms && board_changed_at_ms) {
    return later_change_wins(*hubspot_changed_at_ms, *board_changed_at_ms);
  }
  if (hubspot_changed_at_ms) return Side::hubspot;
  if (board_changed_at_ms) return Side::board;
  return std::nullopt;
}

}  // namespace hbsync::domain
