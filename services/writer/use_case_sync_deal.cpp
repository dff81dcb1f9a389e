// Use case: sync a deal to its board project (SPEC F3.5, F3.6): update the
// linked project, or find the project by management_no and link it, or
// create it (after the deal's company has its client, ensure_client).
#include <optional>

#include "hbsync/domain/status.hpp"
#include "job.hpp"

namespace hbsync::writer {
namespace {

namespace action = history::action;

// The oldest project with this management_no (board keeps lost ones too).
Outcome find_project(Job& job, const std::string& management_no,
                     std::optional<board::Project>& found) {
  auto listed = job.board.list_projects({.management_no_eq = management_no, .include_lost = true},
                                        {.page = 1, .per_page = 10});
  if (!listed) return board_failure(listed.error(), "GET /v1/projects");
  for (const auto& p : listed->items) {
    if (p.management_no && *p.management_no == management_no) {
      if (!found || p.id < found->id) found = p;
    }
  }
  return {};
}

// SPEC F3.5 gives a project its client once, at creation; the project keeps
// it when the deal's chosen company changes later (a primary set, a company
// removed or added): board projects carry estimates and invoices addressed to
// their client, board's API reference does not confirm that a project's
// client can be changed, and the original product synced companies on the
// first sync only. The change is recorded (`company_changed`), never silent.
// A link written before links kept their company (company 0) just learns it.
void record_company_change(Job& job, const DealLink& link) {
  const auto& cmd = job.command.sync_deal();
  if (link.company_id == 0 || link.company_id == cmd.company_id()) return;
  job.record({.action = std::string(action::unchanged),
              .deal_id = cmd.deal_id(),
              .company_id = cmd.company_id(),
              .project_id = link.project_id,
              .reason_code = "company_changed",
              .message = "the deal's company changed from " + std::to_string(link.company_id) +
                         " to " + std::to_string(cmd.company_id()) +
                         "; the project keeps its board client"});
}

Outcome sync_linked(Job& job, const DealLink& link) {
  const auto& cmd = job.command.sync_deal();
  if (cmd.deal_updated_at_ms() < link.revision_ms) {
    job.record({.action = std::string(action::unchanged),
                .deal_id = cmd.deal_id(),
                .project_id = link.project_id,
                .reason_code = "stale_command",
                .message = "an earlier state of the deal; a newer one was applied"});
    return applied(Reason::stale);
  }
  record_company_change(job, link);
  return update_status(job, cmd.deal_id(), link.project_id, link.order_status, cmd.order_status(),
                       cmd.deal_updated_at_ms());
}

Outcome link_found_project(Job& job, int64_t client_id, const board::Project& project) {
  const auto& cmd = job.command.sync_deal();
  job.links.link_deal(job.tenant(), cmd.deal_id(),
                      {.project_id = project.id,
                       .order_status = project.order_status_code,
                       .active = true,
                       .revision_ms = 0,
                       .company_id = cmd.company_id()});
  job.record({.action = std::string(action::linked),
              .deal_id = cmd.deal_id(),
              .company_id = cmd.company_id(),
              .client_id = client_id,
              .project_id = project.id,
              .message = "project found by management_no and linked"});
  return update_status(job, cmd.deal_id(), project.id, project.order_status_code,
                       cmd.order_status(), cmd.deal_updated_at_ms());
}

// The project's name: the sealed deal name of the command, else the deal's
// name from HubSpot, else the management_no (or "HubSpot <id>"). An outcome
// when the command ends here instead (the deal is gone, or a failure).
std::optional<Outcome> project_name(Job& job, std::string& name) {
  const auto& cmd = job.command.sync_deal();
  const int64_t deal_id = cmd.deal_id();
  auto opened = tenant::open_deal_name(job.keyring, job.tenant(), deal_id, cmd.sealed_deal_name());
  if (opened) {
    name = *opened;
  } else {
    auto deal = job.hubspot.get_deal(std::to_string(deal_id), {"dealname"});
    if (!deal) {
      if (deal.error().kind == hubspot::Error::not_found) {
        return deactivate(job, deal_id, "deal_not_found");
      }
      return hubspot_failure(deal.error(), "deals.get");
    }
    name = deal->property("dealname").value_or("");
  }
  if (name.empty()) {
    name = cmd.management_no().empty() ? "HubSpot " + std::to_string(deal_id) : cmd.management_no();
  }
  return std::nullopt;
}

// POST /v1/projects; an answer lost on the way is looked up by management_no
// before anything is made again.
Outcome post_project(Job& job, const board::NewProject& project, int64_t& project_id) {
  const auto& cmd = job.command.sync_deal();
  auto created = job.board.create_project(project);
  if (created) {
    project_id = created->id;
    return {};
  }
  if (!created.error().maybe_applied || cmd.management_no().empty()) {
    return board_failure(created.error(), "POST /v1/projects");
  }
  std::optional<board::Project> existing;
  if (auto o = find_project(job, cmd.management_no(), existing); o.kind != Outcome::done) return o;
  if (!existing) return retry(Reason::board_create_unconfirmed, "POST /v1/projects answer lost");
  project_id = existing->id;
  return {};
}

Outcome create_project(Job& job, int64_t client_id) {
  const auto& cmd = job.command.sync_deal();
  int64_t user_id = cmd.board_user_id();
  if (user_id == 0) user_id = job.settings.board.default_user_id.value_or(0);
  if (user_id == 0) {
    return failed(Reason::no_board_user,
                  "no board user has the owner's e-mail and the tenant has no default user");
  }
  std::string name;
  if (auto ended = project_name(job, name)) return *ended;
  const int status = cmd.order_status();
  board::NewProject project{.name = name,
                            .client_id = client_id,
                            .user_id = user_id,
                            .order_status = *domain::order_status_from_code(status),
                            .invoice_timing = board::InvoiceTiming::lump_sum,
                            .invoice_date = cmd.invoice_date()};
  if (!cmd.management_no().empty()) project.management_no = cmd.management_no();
  int64_t project_id = 0;
  if (auto o = post_project(job, project, project_id); o.kind != Outcome::done) return o;
  job.links.link_deal(job.tenant(), cmd.deal_id(),
                      {.project_id = project_id,
                       .order_status = status,
                       .active = true,
                       .revision_ms = cmd.deal_updated_at_ms(),
                       .company_id = cmd.company_id()});
  job.record({.action = std::string(action::created),
              .deal_id = cmd.deal_id(),
              .company_id = cmd.company_id(),
              .client_id = client_id,
              .project_id = project_id,
              .message = "project created with order status " + std::to_string(status)});
  return {};
}

}  // namespace

Outcome sync_deal(Job& job) {
  const auto& cmd = job.command.sync_deal();
  const int status = cmd.order_status();
  if (!domain::order_status_from_code(status)) {
    return failed(Reason::unknown_order_status,
                  "order status " + std::to_string(status) + " unknown");
  }
  if (auto link = job.links.deal_link(job.tenant(), cmd.deal_id())) return sync_linked(job, *link);

  int64_t client_id = 0;
  if (auto o = ensure_client(job, cmd.company_id(), client_id); o.kind != Outcome::done) return o;

  // No link, yet the project may exist: made by an earlier attempt that
  // crashed before linking it, or linked in a Redis that has since lost the
  // link (restarted from an older snapshot). Look it up by management_no,
  // unless this command has just created the client: a client made a moment
  // ago has no projects, so a new company's first deal stays at 3 board calls.
  std::optional<board::Project> existing;
  if (!job.client_created && !cmd.management_no().empty()) {
    if (auto o = find_project(job, cmd.management_no(), existing); o.kind != Outcome::done) {
      return o;
    }
  }
  if (existing) return link_found_project(job, client_id, *existing);
  return create_project(job, client_id);
}

}  // namespace hbsync::writer
