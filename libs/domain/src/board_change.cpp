#include "hbsync/domain/board_change.hpp"

#include "hbsync/domain/sync_rules.hpp"

namespace hbsync::domain {

std::optional<std::string> deal_amount(std::string_view total) {
  std::string_view digits = total;
  const bool negative = !digits.empty() && digits.front() == '-';
  if (negative) digits.remove_prefix(1);
  const size_t dot = digits.find('.');
  std::string_view whole = digits.substr(0, dot);
  std::string_view fraction = dot == std::string_view::npos ? "" : digits.substr(dot + 1);
  auto all_digits = [](std::string_view s) {
    for (char c : s) {
      if (c < '0' || c > '9') return false;
    }
    return true;
  };
  if (whole.empty() || !all_digits(whole) || !all_digits(fraction)) return std::nullopt;
  if (dot != std::string_view::npos && fraction.empty()) return std::nullopt;
  while (whole.size() > 1 && whole.front() == '0') whole.remove_prefix(1);
  while (!fraction.empty() && fraction.back() == '0') fraction.remove_suffix(1);
  std::string out = std::string(whole);
  if (!fraction.empty()) out += "." + std::string(fraction);
  if (negative && out != "0") out = "-" + out;
  return out;
}

BoardDecision decide_board_change(const DealSideState& deal, const BoardChange& change) {
  BoardDecision d;
  if (change.board_updated_ms < deal.board_synced_ms) {
    d.reason_code = board_reason::stale;
    return d;
  }
  d.stage = deal_stage_update(deal.known_stage.value_or(""), change.target);
  if (d.stage) {
    std::optional<int64_t> hubspot_changed;
    if (deal.hubspot_changed_ms > deal.board_synced_ms) hubspot_changed = deal.hubspot_changed_ms;
    if (resolve_conflict(hubspot_changed, change.board_updated_ms) == Side::hubspot) {
      d.stage.reset();
      d.stage_conflict = true;
    }
  }
  if (change.amount && !deal.amount_already_written) d.amount = change.amount;
  if (d.writes()) {
    d.reason_code = board_reason::changed;
  } else if (d.stage_conflict) {
    d.reason_code = board_reason::conflict_hubspot_newer;
  } else if (!change.target.stage_id) {
    d.reason_code = board_reason::stage_not_mapped;
  } else {
    d.reason_code = board_reason::unchanged;
  }
  return d;
}

bool board_change_is_newer(int64_t deal_updated_ms, int64_t board_synced_ms) {
  if (board_synced_ms <= 0) return false;  // no board change applied yet
  return later_change_wins(deal_updated_ms, board_synced_ms) == Side::board;
}

}  // namespace hbsync::domain
