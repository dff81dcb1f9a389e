// Use case: a board project's state for its linked deal (SPEC F4.3-F4.5,
// F4.7). Decided against the deal link (domain::decide_board_change) under
// the command's claim; a write is queued in the deal outbox for the flusher's
// next batch call, and the link records at once what HubSpot is to have
// (stage, order status, amount digest, the board change), so the next board
// change is decided against it and our own write seen again is no change.
#include "hbsync/domain/board_change.hpp"
#include "hbsync/tenant/amount.hpp"
#include "job.hpp"

namespace hbsync::writer {
namespace {

namespace action = history::action;

void record(Job& job, std::string_view action, std::string_view reason, std::string message) {
  const auto& u = job.command.update_deal();
  job.record({.direction = std::string(history::direction::board_to_hubspot),
              .action = std::string(action),
              .deal_id = u.deal_id(),
              .project_id = u.project_id(),
              .reason_code = std::string(reason),
              .message = std::move(message)});
}

// The amount to write, opened, and its digest; nullopt when none is sent.
std::optional<std::string> opened_amount(Job& job, std::string& digest) {
  const auto& u = job.command.update_deal();
  if (u.sealed_amount().empty()) return std::nullopt;
  auto amount = tenant::open_amount(job.keyring, job.tenant(), u.deal_id(), u.sealed_amount());
  if (amount) digest = tenant::amount_digest(job.keyring, job.tenant(), u.deal_id(), *amount);
  return amount;
}

domain::BoardDecision decide(const DealLink& link, const v1::UpdateDealFromBoard& u,
                             const std::optional<std::string>& amount, const std::string& digest) {
  domain::StageTarget target;
  if (!u.stage_id().empty()) target.stage_id = u.stage_id();
  std::optional<std::string> known;
  if (!link.stage_id.empty()) known = link.stage_id;
  return domain::decide_board_change(
      {.known_stage = known,
       .hubspot_changed_ms = link.hubspot_changed_ms,
       .board_synced_ms = link.board_synced_ms,
       .amount_already_written =
           amount && !link.amount_digest.empty() && link.amount_digest == digest},
      {.target = target, .amount = amount, .board_updated_ms = u.board_updated_at_ms()});
}

}  // namespace

Outcome update_deal(Job& job) {
  const auto& u = job.command.update_deal();
  auto link = job.links.deal_link(job.tenant(), u.deal_id());
  if (!link || !link->active || link->project_id != u.project_id()) {
    record(job, action::skipped, "not_linked", "the deal is no longer linked to the project");
    return applied(Reason::not_linked);
  }
  std::string digest;
  auto amount = opened_amount(job, digest);
  if (!u.sealed_amount().empty() && !amount) {
    return failed(Reason::mapping_failed, "the amount cannot be opened with the keyring");
  }
  const auto d = decide(*link, u, amount, digest);
  if (!d.writes()) {
    record(job, action::unchanged, d.reason_code,
           "nothing written to the deal: " + std::string(d.reason_code));
    return applied(d.reason_code == domain::board_reason::stale ? Reason::stale
                                                                : Reason::unchanged);
  }
  v1::SyncCommand queued = job.command;
  // An operator's replay is no sync latency: the flusher measures none.
  if (job.message.header(kafka::kReplayHeader)) queued.clear_origin_at_ms();
  auto* q = queued.mutable_update_deal();
  q->set_stage_id(d.stage.value_or(""));
  if (!d.amount) q->clear_sealed_amount();
  links::Links::DealPatch patch{.order_status = u.order_status(),
                                .board_synced_ms = u.board_updated_at_ms()};
  if (d.stage) patch.stage_id = *d.stage;
  if (!u.pipeline_id().empty()) patch.pipeline_id = u.pipeline_id();
  if (d.amount) patch.amount_digest = digest;
  job.keeper.check();
  job.outbox.put(job.tenant(), u.deal_id(), u.board_updated_at_ms(), queued.SerializeAsString());
  job.links.patch_deal(job.tenant(), u.deal_id(), patch);
  if (d.stage_conflict) {
    record(job, action::skipped, domain::board_reason::conflict_hubspot_newer,
           "the stage stays: HubSpot changed it later; the amount is written");
  }
  return {};
}

}  // namespace hbsync::writer
