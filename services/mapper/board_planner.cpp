#include "board_planner.hpp"

#include <vector>

#include "hbsync/domain/board_change.hpp"
#include "hbsync/domain/idempotency.hpp"
#include "hbsync/domain/stage_mapping.hpp"
#include "hbsync/domain/status.hpp"

namespace hbsync::mapper {
namespace {

int64_t to_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

v1::SyncCommand command(const BoardPlanInput& in, std::string_view kind, std::string_view target,
                        const std::string& digest) {
  v1::SyncCommand c;
  c.set_tenant_id(in.settings.tenant_id);
  c.set_command_id(domain::idempotency_key({.tenant_id = in.settings.tenant_id,
                                            .kind = kind,
                                            .object_id = in.deal_id,
                                            .target = target,
                                            .revision = in.change.updated_at_ms(),
                                            .decision = digest}));
  c.set_created_at_ms(to_ms(in.now));
  c.set_origin_at_ms(in.change.observed_at_ms());  // when the poller saw the change
  return c;
}

v1::SyncCommand skip(const BoardPlanInput& in, std::string_view reason) {
  auto c = command(
      in, domain::command_kind::record_skip, reason,
      domain::decision_digest({"board_to_hubspot", std::to_string(in.change.project_id())}));
  auto* s = c.mutable_record_skip();
  s->set_direction("board_to_hubspot");
  s->set_object_type("deal");
  s->set_object_id(in.deal_id);
  s->set_reason_code(std::string(reason));
  s->set_project_id(in.change.project_id());
  return c;
}

}  // namespace

std::optional<std::string> deal_pipeline(const tenant::Settings& settings,
                                         const links::DealLink& link) {
  if (!link.pipeline_id.empty()) return link.pipeline_id;
  const auto& pipelines = settings.stage_mapping.pipelines;
  if (pipelines.size() == 1) return pipelines.begin()->first;
  return std::nullopt;
}

v1::SyncCommand plan_board_change(const BoardPlanInput& in) {
  if (!in.link.active) return skip(in, board_skip_reason::deal_inactive);
  const auto status = domain::order_status_from_code(in.change.order_status());
  if (!status) return skip(in, board_skip_reason::unknown_order_status);
  std::vector<domain::InvoiceStatus> invoices;
  for (int code : in.change.invoice_statuses()) {
    // An unknown invoice status is not 入金済: it keeps the project out of "paid".
    invoices.push_back(
        domain::invoice_status_from_code(code).value_or(domain::InvoiceStatus::uncollectible));
  }
  const auto target =
      domain::target_deal_stage(in.settings.stage_mapping, in.pipeline_id, *status, invoices);
  if (!target.stage_id && !in.amount) return skip(in, board_skip_reason::stage_not_mapped);

  const std::string stage = target.stage_id.value_or("");
  auto c = command(
      in, domain::command_kind::update_deal, stage,
      domain::decision_digest({std::to_string(in.change.order_status()), in.pipeline_id, stage,
                               in.amount_digest, std::to_string(in.change.project_id())}));
  auto* u = c.mutable_update_deal();
  u->set_deal_id(in.deal_id);
  u->set_project_id(in.change.project_id());
  u->set_stage_id(stage);
  u->set_board_updated_at_ms(in.change.updated_at_ms());
  u->set_order_status(in.change.order_status());
  u->set_pipeline_id(std::string(in.pipeline_id));
  return c;
}

}  // namespace hbsync::mapper
