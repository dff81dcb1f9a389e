// Use case: bring a linked project's order status to the deal's (SPEC F3.6).
#include "hbsync/domain/status.hpp"
#include "job.hpp"

namespace hbsync::writer {
namespace {

void link(Job& job, int64_t deal_id, int64_t project_id, int status, int64_t revision) {
  job.links.link_deal(job.tenant(), deal_id,
                      {.project_id = project_id,
                       .order_status = status,
                       .active = true,
                       .revision_ms = revision,
                       .company_id = job.command.sync_deal().company_id()});
}

}  // namespace

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
