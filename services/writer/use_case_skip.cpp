// Use case: record a change the mapper did not sync (SPEC F3.7); a deal that
// is gone from HubSpot while linked deactivates its link instead.
#include "job.hpp"

namespace hbsync::writer {

Outcome record_skip(Job& job) {
  const auto& skip = job.command.record_skip();
  if (skip.reason_code() == "deal_not_found" && skip.object_type() == "deal") {
    if (auto link = job.links.deal_link(job.tenant(), skip.object_id()); link && link->active) {
      return deactivate(job, skip.object_id(), "deal_not_found");
    }
  }
  history::Entry e{.direction = skip.direction(),
                   .action = std::string(history::action::skipped),
                   .reason_code = skip.reason_code(),
                   .message = "not synced: " + skip.reason_code()};
  if (skip.object_type() == "company") {
    e.company_id = skip.object_id();
  } else {
    e.deal_id = skip.object_id();
  }
  job.record(std::move(e));
  return applied(Reason::skipped);
}

}  // namespace hbsync::writer
