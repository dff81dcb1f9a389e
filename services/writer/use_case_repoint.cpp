// Use case: deals or companies merged in HubSpot: the merged records' links
// move to the survivor, unless it has its own (then they are deactivated).
#include "job.hpp"

namespace hbsync::writer {
namespace {

namespace action = history::action;

void repoint_deal(Job& job, int64_t merged, int64_t survivor) {
  auto link = job.links.deal_link(job.tenant(), merged);
  if (!link) return;
  job.links.unlink_deal(job.tenant(), merged, link->project_id);
  if (!job.links.deal_link(job.tenant(), survivor)) {
    job.links.link_deal(job.tenant(), survivor, *link);
    job.record({.action = std::string(action::repointed),
                .deal_id = survivor,
                .project_id = link->project_id,
                .message = "link moved from merged deal " + std::to_string(merged)});
    return;
  }
  job.record(
      {.action = std::string(action::deactivated),
       .deal_id = merged,
       .project_id = link->project_id,
       .reason_code = "merged",
       .message = "merged into deal " + std::to_string(survivor) + ", which has its own project"});
}

void repoint_company(Job& job, int64_t merged, int64_t survivor) {
  auto link = job.links.company_link(job.tenant(), merged);
  if (!link) return;
  job.links.unlink_company(job.tenant(), merged, link->client_id);
  if (!job.links.company_link(job.tenant(), survivor)) {
    job.links.link_company(job.tenant(), survivor, *link);
    job.record({.action = std::string(action::repointed),
                .company_id = survivor,
                .client_id = link->client_id,
                .message = "link moved from merged company " + std::to_string(merged)});
    return;
  }
  job.record({.action = std::string(action::deactivated),
              .company_id = merged,
              .client_id = link->client_id,
              .reason_code = "merged",
              .message = "merged into company " + std::to_string(survivor) +
                         ", which has its own client"});
}

}  // namespace

Outcome repoint(Job& job) {
  const auto& r = job.command.repoint_links();
  const int64_t survivor = r.surviving_id();
  for (int64_t merged : r.merged_ids()) {
    if (merged == survivor) continue;
    if (r.object_type() == "deal") {
      repoint_deal(job, merged, survivor);
    } else {
      repoint_company(job, merged, survivor);
    }
  }
  return {};
}

}  // namespace hbsync::writer
