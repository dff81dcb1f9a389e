// Use case: bring a linked project's order status to the deal's (SPEC F3.6);
// the link keeps the stage HubSpot has (F4.7).
#include "hbsync/domain/status.hpp"
#include "job.hpp"

namespace hbsync::writer {
namespace {

// The link's HubSpot-side fields only: a board -> HubSpot write queued
// meanwhile keeps its own (a patch, not a rewrite).
void link(Job& job, int64_t deal_id, int64_t project_id, int status, int64_t revision) {
  const auto& cmd = job.command.sync_deal();
  links::Links::DealPatch patch{
      .order_status = status, .revision_ms = revision, .company_id = cmd.company_id()};
  note_hubspot_stage(job, deal_id, cmd.pipeline_id(), cmd.stage_id(), cmd.deal_updated_at_ms(),
                     patch);
  if (!job.links.patch_deal(job.tenant(), deal_id, patch)) {
    job.links.link_deal(job.tenant(), deal_id,
                        {.project_id = project_id,
                         .order_status = status,
                         .active = true,
                         .revision_ms = revision,
                         .company_id = cmd.company_id(),
                         .pipeline_id = cmd.pipeline_id(),
                         .stage_id = cmd.stage_id()});
  }
}

}  // namespace

void note_hubspot_stage(Job& job, int64_t deal_id, const std::string& pipeline_id,
                        const std::string& stage_id, int64_t deal_updated_ms,
                        links::Links::DealPatch& patch) {
  if (!pipeline_id.empty()) patch.pipeline_id = pipeline_id;
  if (stage_id.empty()) return;
  auto current = job.links.deal_link(job.tenant(), deal_id);
  if (current && current->stage_id == stage_id) return;  // known (e.g. our own write)
  patch.stage_id = stage_id;
  if (!current || deal_updated_ms > current->hubspot_changed_ms) {
    patch.hubspot_changed_ms = deal_updated_ms;
  }
}

Outcome update_status(Job& job, int64_t deal_id, int64_t project_id, int from, int to,
                      int64_t revision) {
  namespace action = history::action;
  if (from == to) {
    link(job, deal_id, project_id, to, revision);
    job.record({.action = std::string(action::unchanged),
                .deal_id = deal_id,
                .project_id = project_id,
                .reason_code = "status_unchanged",
                .message = "order status already " + std::to_string(to)});
    return applied(Reason::unchanged);
  }
  auto updated = job.board.update_order_status(project_id, *domain::order_status_from_code(to));
  if (!updated) {
    if (updated.error().kind == board::Error::not_found) {
      return failed(Reason::project_not_found, "board project " + std::to_string(project_id) +
                                                   " linked to deal " + std::to_string(deal_id) +
                                                   " no longer exists");
    }
    return board_failure(updated.error(), "PATCH /v1/projects/order_status");
  }
  link(job, deal_id, project_id, to, revision);
  job.record({.action = std::string(action::updated),
              .deal_id = deal_id,
              .project_id = project_id,
              .message = "order status " + std::to_string(from) + " -> " + std::to_string(to)});
  return {};
}

}  // namespace hbsync::writer
