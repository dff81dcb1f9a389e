#include "planner.hpp"

#include <algorithm>
#include <charconv>

#include "hbsync/domain/dates.hpp"
#include "hbsync/domain/idempotency.hpp"
#include "hbsync/domain/management_no.hpp"
#include "hbsync/domain/status.hpp"
#include "hbsync/domain/sync_rules.hpp"
#include "hbsync/service/replay.hpp"

namespace hbsync::mapper {
namespace {

int64_t to_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

v1::SyncCommand base_command(const std::string& tenant_id, std::string command_id,
                             std::chrono::system_clock::time_point now) {
  v1::SyncCommand c;
  c.set_tenant_id(tenant_id);
  c.set_command_id(std::move(command_id));
  c.set_created_at_ms(to_ms(now));
  c.set_attempt(0);
  return c;
}

v1::SyncCommand skip_command(const std::string& tenant_id, int64_t deal_id, std::string_view reason,
                             std::optional<int64_t> revision,
                             std::chrono::system_clock::time_point now) {
  auto c = base_command(tenant_id,
                        domain::idempotency_key({.tenant_id = tenant_id,
                                                 .kind = domain::command_kind::record_skip,
                                                 .object_id = deal_id,
                                                 .target = reason,
                                                 .revision = revision}),
                        now);
  auto* s = c.mutable_record_skip();
  s->set_direction("hubspot_to_board");
  s->set_object_type("deal");
  s->set_object_id(deal_id);
  s->set_reason_code(std::string(reason));
  return c;
}

// A skip of a deal that was read: its stage goes with it (the writer keeps
// the stage HubSpot has with the deal's link, F4.7).
v1::SyncCommand deal_skip(const std::string& tenant_id, const DealSnapshot& deal,
                          std::string_view reason, std::chrono::system_clock::time_point now) {
  auto c = skip_command(tenant_id, deal.deal_id, reason, deal.updated_at_ms, now);
  auto* s = c.mutable_record_skip();
  s->set_pipeline_id(deal.pipeline_id);
  s->set_stage_id(deal.stage_id);
  s->set_deal_updated_at_ms(deal.updated_at_ms);
  return c;
}

std::optional<int64_t> parse_id(std::string_view text) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || v <= 0) return std::nullopt;
  return v;
}

}  // namespace

std::string_view to_string(EventAction action) {
  switch (action) {
    case EventAction::ignore:
      return "ignore";
    case EventAction::reread_deal:
      return "reread_deal";
    case EventAction::deactivate_deal:
      return "deactivate_deal";
    case EventAction::repoint_deals:
      return "repoint_deals";
    case EventAction::repoint_companies:
      return "repoint_companies";
  }
  return "ignore";
}

bool stage_already_known(const v1::HubSpotEvent& event, const links::DealLink* link) {
  return event.subscription_type() == "deal.propertyChange" &&
         event.property_name() == "dealstage" && link != nullptr && link->active &&
         !link->stage_id.empty() && link->stage_id == event.property_value();
}

EventAction classify(const v1::HubSpotEvent& event) {
  const std::string& type = event.subscription_type();
  if (type == "deal.creation") return EventAction::reread_deal;
  if (type == "deal.propertyChange") {
    const std::string& p = event.property_name();
    if (p == "dealstage" || p == "pipeline" || p == "hubspot_owner_id") {
      return EventAction::reread_deal;
    }
    return EventAction::ignore;
  }
  if (type == "deal.associationChange" || type == "company.associationChange") {
    const std::string& a = event.association_type();
    if (a == "DEAL_TO_COMPANY" || a == "COMPANY_TO_DEAL") return EventAction::reread_deal;
    return EventAction::ignore;
  }
  if (type == service::kReplaySubscriptionType) return EventAction::reread_deal;
  if (type == "deal.deletion") return EventAction::deactivate_deal;
  if (type == "deal.merge") return EventAction::repoint_deals;
  if (type == "company.merge") return EventAction::repoint_companies;
  return EventAction::ignore;
}

int64_t deal_id_of(const v1::HubSpotEvent& event) {
  if (event.association_type() == "COMPANY_TO_DEAL" && event.to_object_id() > 0) {
    return event.to_object_id();
  }
  if (event.association_type() == "DEAL_TO_COMPANY" && event.from_object_id() > 0) {
    return event.from_object_id();
  }
  return event.object_id();
}

v1::SyncCommand plan_deal(const PlanInput& in) {
  const auto& s = in.settings;
  const auto& deal = in.deal;
  const int64_t revision = deal.updated_at_ms;

  auto decision =
      domain::decide_deal_sync(s.stage_mapping, deal.pipeline_id, deal.stage_id, std::nullopt);
  if (decision.action != domain::DealAction::create_project || !decision.order_status) {
    return deal_skip(s.tenant_id, deal, decision.reason_code, in.now);
  }
  auto company = domain::resolve_company(deal.companies);
  if (company.skipped()) {
    return deal_skip(s.tenant_id, deal, skip_reason::no_company, in.now);
  }
  if (!s.board.connected()) {
    return deal_skip(s.tenant_id, deal, skip_reason::board_not_connected, in.now);
  }

  const int status = domain::code(*decision.order_status);
  std::optional<std::string_view> email;
  if (deal.owner_email) email = *deal.owner_email;
  auto user = domain::resolve_board_user(email, in.board_users, s.board.default_user_id);
  std::optional<std::string_view> closedate;
  if (deal.closedate) closedate = *deal.closedate;
  auto invoice = domain::invoice_date(closedate, in.now, s.invoice_date_rule);
  auto management_no = domain::management_no_for_deal(deal.deal_id, s.management_no);

  v1::SyncCommand c = base_command(s.tenant_id, "", in.now);
  auto* d = c.mutable_sync_deal();
  d->set_deal_id(deal.deal_id);
  d->set_company_id(*company.company_id);
  d->set_order_status(status);
  d->set_board_user_id(user.user_id.value_or(0));
  d->set_invoice_date(invoice.text);
  d->set_management_no(management_no.value_or(""));
  d->set_pipeline_id(deal.pipeline_id);
  d->set_stage_id(deal.stage_id);
  d->set_deal_updated_at_ms(revision);
  c.set_command_id(sync_deal_command_id(s.tenant_id, *d, deal.association_changed_at_ms));
  return c;
}

std::string sync_deal_command_id(const std::string& tenant_id, const v1::SyncDealToProject& d,
                                 int64_t association_changed_at_ms) {
  const std::string company = std::to_string(d.company_id());
  const std::string user = std::to_string(d.board_user_id());
  const std::string status = std::to_string(d.order_status());
  const std::string association =
      association_changed_at_ms > 0 ? std::to_string(association_changed_at_ms) : "";
  const std::string digest = domain::decision_digest(
      {"company", company, "order_status", status, "board_user", user, "invoice_date",
       d.invoice_date(), "management_no", d.management_no(), "pipeline", d.pipeline_id(), "stage",
       d.stage_id(), "association_change", association});
  return domain::idempotency_key({.tenant_id = tenant_id,
                                  .kind = domain::command_kind::sync_deal,
                                  .object_id = d.deal_id(),
                                  .target = "order_" + status,
                                  .revision = d.deal_updated_at_ms(),
                                  .decision = digest});
}

v1::SyncCommand plan_deal_not_found(const std::string& tenant_id, int64_t deal_id,
                                    int64_t occurred_at_ms,
                                    std::chrono::system_clock::time_point now) {
  return skip_command(tenant_id, deal_id, skip_reason::deal_not_found,
                      occurred_at_ms > 0 ? std::optional<int64_t>(occurred_at_ms) : std::nullopt,
                      now);
}

std::optional<v1::SyncCommand> plan_lifecycle(const std::string& tenant_id,
                                              const v1::HubSpotEvent& event,
                                              std::chrono::system_clock::time_point now) {
  auto action = classify(event);
  if (action == EventAction::deactivate_deal) {
    if (event.object_id() <= 0) return std::nullopt;
    auto c = base_command(tenant_id,
                          domain::idempotency_key({.tenant_id = tenant_id,
                                                   .kind = domain::command_kind::deactivate_deal,
                                                   .object_id = event.object_id(),
                                                   .target = "",
                                                   .revision = std::nullopt}),
                          now);
    c.mutable_deactivate_deal()->set_deal_id(event.object_id());
    return c;
  }
  if (action != EventAction::repoint_deals && action != EventAction::repoint_companies) {
    return std::nullopt;
  }
  int64_t surviving = event.primary_object_id() > 0 ? event.primary_object_id()
                      : event.new_object_id() > 0   ? event.new_object_id()
                                                    : event.object_id();
  std::vector<int64_t> merged;
  for (int64_t id : event.merged_object_ids()) {
    if (id > 0 && id != surviving) merged.push_back(id);
  }
  std::sort(merged.begin(), merged.end());
  merged.erase(std::unique(merged.begin(), merged.end()), merged.end());
  if (surviving <= 0 || merged.empty()) return std::nullopt;

  std::string target = std::to_string(surviving);
  for (int64_t id : merged) target += "," + std::to_string(id);
  const bool deals = action == EventAction::repoint_deals;
  auto c = base_command(tenant_id,
                        domain::idempotency_key({.tenant_id = tenant_id,
                                                 .kind = domain::command_kind::repoint_links,
                                                 .object_id = surviving,
                                                 .target = target,
                                                 .revision = std::nullopt}),
                        now);
  auto* r = c.mutable_repoint_links();
  r->set_object_type(deals ? "deal" : "company");
  for (int64_t id : merged) r->add_merged_ids(id);
  r->set_surviving_id(surviving);
  return c;
}

std::optional<std::vector<domain::CompanyAssociation>> companies_from_v3(
    std::span<const hubspot::AssociationRef> refs) {
  std::vector<domain::CompanyAssociation> out;
  for (const auto& ref : refs) {
    auto id = parse_id(ref.id);
    if (!id) return std::nullopt;
    domain::CompanyAssociation a{.company_id = *id, .type_ids = {}};
    if (ref.type == "deal_to_company") {
      a.type_ids = {domain::kDealToPrimaryCompanyTypeId};
    } else if (ref.type == "deal_to_company_unlabeled") {
      a.type_ids = {domain::kDealToCompanyTypeId};
    } else {
      return std::nullopt;
    }
    out.push_back(std::move(a));
  }
  return out;
}

std::string command_key(const v1::SyncCommand& c) {
  const std::string& t = c.tenant_id();
  switch (c.action_case()) {
    case v1::SyncCommand::kSyncDeal:
      return t + ":deal:" + std::to_string(c.sync_deal().deal_id());
    case v1::SyncCommand::kRecordSkip:
      return t + ":" + c.record_skip().object_type() + ":" +
             std::to_string(c.record_skip().object_id());
    case v1::SyncCommand::kDeactivateDeal:
      return t + ":deal:" + std::to_string(c.deactivate_deal().deal_id());
    case v1::SyncCommand::kRepointLinks:
      return t + ":" + c.repoint_links().object_type() + ":" +
             std::to_string(c.repoint_links().surviving_id());
    case v1::SyncCommand::kUpdateOrderStatus:
      return t + ":deal:" + std::to_string(c.update_order_status().deal_id());
    case v1::SyncCommand::kUpdateDeal:
      return t + ":deal:" + std::to_string(c.update_deal().deal_id());
    case v1::SyncCommand::kSyncCompany:
      return t + ":company:" + std::to_string(c.sync_company().company_id());
    default:
      return t;
  }
}

}  // namespace hbsync::mapper
