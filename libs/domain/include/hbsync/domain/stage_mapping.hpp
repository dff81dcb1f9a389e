// 連携ステージ設定 (SPEC F2): per HubSpot pipeline, which deal stage stands for
// each board status row; and the lookups both sync directions make through it
// (F3.6 stage -> order status, F4.3/F4.5 board state -> deal stage).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hbsync/domain/status.hpp"
#include "hbsync/domain/validation.hpp"

namespace hbsync::domain {

// Row -> HubSpot stage id. A row that is not mapped is absent (an empty id is
// a validation error, so parsers should drop null / "" selections).
using PipelineStages = std::map<StageRow, std::string>;

struct StageMapping {
  // Pipeline id -> its rows. Several pipelines may be mapped.
  std::map<std::string, PipelineStages, std::less<>> pipelines;

  const PipelineStages* find(std::string_view pipeline_id) const;

  bool operator==(const StageMapping&) const = default;
};

// Pipelines as loaded from GET /crm/v3/pipelines/deals (F1.3).
struct HubSpotStage {
  std::string id;
  std::string label;
};
struct HubSpotPipeline {
  std::string id;
  std::string label;
  std::vector<HubSpotStage> stages;
};

// Structural checks, usable without HubSpot at hand (e.g. `hbsync-ctl tenant
// apply`): empty pipeline or stage ids; the same stage chosen for two rows of
// one pipeline (code duplicate_stage, reported at the later row in screen
// order and naming both rows; three rows on one stage give two errors).
// Every error is returned, not only the first. Paths:
// "<field>.<pipeline id>" and "<field>.<pipeline id>.<row id>".
ValidationErrors validate_stage_mapping(const StageMapping& mapping,
                                        std::string_view field = "stage_mapping");
// The same, plus: a pipeline id HubSpot does not have (unknown_pipeline; its
// stages are then not checked one by one) and a stage id that is not a stage
// of that pipeline (unknown_stage). Messages name stages and pipelines with
// their HubSpot labels too.
ValidationErrors validate_stage_mapping(const StageMapping& mapping,
                                        std::span<const HubSpotPipeline> known,
                                        std::string_view field = "stage_mapping");

// The row a stage is mapped to in that pipeline. If a stored mapping somehow
// holds a stage twice, the first row in screen order wins, so the answer does
// not depend on map iteration details.
std::optional<StageRow> row_for_stage(const StageMapping& mapping, std::string_view pipeline_id,
                                      std::string_view stage_id);

// F2/F3.6: the order status a deal in this stage should have on board, or
// nullopt when the stage is unmapped or mapped to 請求済/入金済 (those rows
// never drive board).
std::optional<OrderStatus> order_status_for_stage(const StageMapping& mapping,
                                                  std::string_view pipeline_id,
                                                  std::string_view stage_id);

std::optional<std::string_view> stage_for_row(const StageMapping& mapping,
                                              std::string_view pipeline_id, StageRow row);

// F4.3 + F4.5 without the mapping: the row a deal should be in.
// - order status other than 受注済: its own row, invoices ignored;
// - 受注済 with at least one invoice and every invoice 入金済: paid;
// - 受注済 with any invoice 請求済, 一部入金済 or 入金済: invoiced;
// - 受注済 otherwise (no invoices, or only 未請求/請求OK/回収不能): order_5.
// 回収不能 is not 入金済, so it keeps a project out of "paid".
StageRow wanted_row(OrderStatus status, std::span<const InvoiceStatus> invoices);

struct StageTarget {
  StageRow wanted_row = StageRow::order_5;
  // The row whose stage was used; differs from wanted_row after a fallback.
  std::optional<StageRow> used_row;
  // Empty: leave the deal's stage alone.
  std::optional<std::string> stage_id;
};

// wanted_row() resolved through the deal's pipeline. When the wanted row has
// no stage in that pipeline: paid falls back to invoiced, then order_5;
// invoiced falls back to order_5 (each fallback is still true of the deal);
// any other row, or an unmapped pipeline, gives no stage (no change).
StageTarget target_deal_stage(const StageMapping& mapping, std::string_view pipeline_id,
                              OrderStatus status, std::span<const InvoiceStatus> invoices);

}  // namespace hbsync::domain
