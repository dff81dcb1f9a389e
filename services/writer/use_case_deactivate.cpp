// Use case: a deal deleted (or gone) in HubSpot: its link is marked inactive;
// the board project is kept (SPEC F3.6).
#include "job.hpp"

namespace hbsync::writer {

Outcome deactivate(Job& job, int64_t deal_id, std::string_view reason_code) {
  namespace action = history::action;
  auto link = job.links.deal_link(job.tenant(), deal_id);
  if (!link) {
    job.record({.action = std::string(action::skipped),
                .deal_id = deal_id,
                .reason_code = std::string(reason_code),
                .message = "deal was not linked"});
    return applied(Reason::not_linked);
  }
  link->active = false;
  job.links.link_deal(job.tenant(), deal_id, *link);
  job.record({.action = std::string(action::deactivated),
              .deal_id = deal_id,
              .project_id = link->project_id,
              .reason_code = std::string(reason_code),
              .message = "link marked inactive; the board project is kept"});
  return {};
}

}  // namespace hbsync::writer
