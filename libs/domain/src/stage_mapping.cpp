#include "hbsync/domain/stage_mapping.hpp"

#include <algorithm>

#include "hbsync/domain/text.hpp"

namespace hbsync::domain {
namespace {

std::string quoted_pipeline(std::string_view id, const HubSpotPipeline* known) {
  if (known != nullptr && !known->label.empty()) {
    return "パイプライン「" + sanitize_utf8(known->label) + "」(" + sanitize_utf8(id) + ")";
  }
  return "パイプライン " + sanitize_utf8(id);
}

std::string quoted_stage(std::string_view id, const HubSpotPipeline* known) {
  if (known != nullptr) {
    for (const auto& s : known->stages) {
      if (s.id == id && !s.label.empty()) {
        return "ステージ「" + sanitize_utf8(s.label) + "」(" + sanitize_utf8(id) + ")";
      }
    }
  }
  return "ステージ " + sanitize_utf8(id);
}

bool has_stage(const HubSpotPipeline& p, std::string_view stage_id) {
  return std::any_of(p.stages.begin(), p.stages.end(),
                     [&](const HubSpotStage& s) { return s.id == stage_id; });
}

ValidationErrors validate(const StageMapping& mapping,
                          const std::span<const HubSpotPipeline>* known, std::string_view field) {
  ValidationErrors errors;
  for (const auto& [pipeline_id, stages] : mapping.pipelines) {
    const std::string pipeline_path = std::string(field) + "." + sanitize_utf8(pipeline_id);
    if (pipeline_id.empty()) {
      errors.push_back(
          {std::string(field), "empty_pipeline_id", "パイプラインが選択されていません。"});
    }
    const HubSpotPipeline* pipeline = nullptr;
    if (known != nullptr && !pipeline_id.empty()) {
      const auto it =
          std::find_if(known->begin(), known->end(),
                       [&id = pipeline_id](const HubSpotPipeline& p) { return p.id == id; });
      if (it == known->end()) {
        errors.push_back({pipeline_path, "unknown_pipeline",
                          quoted_pipeline(pipeline_id, nullptr) +
                              " は HubSpot にありません。パイプラインを読み込み直してから選択して"
                              "ください。"});
      } else {
        pipeline = &*it;
      }
    }
    // Screen order, so "the later row" is the one the admin sees further down.
    std::vector<std::pair<std::string_view, StageRow>> first_row_of_stage;
    for (StageRow row : stage_rows()) {
      const auto entry = stages.find(row);
      if (entry == stages.end()) continue;
      const std::string& stage_id = entry->second;
      const std::string row_path = pipeline_path + "." + std::string(row_id(row));
      if (stage_id.empty()) {
        errors.push_back({row_path, "empty_stage_id",
                          describe(row) + " のステージが空です。ステージを選択するか、未設定にして"
                                          "ください。"});
        continue;
      }
      if (pipeline != nullptr && !has_stage(*pipeline, stage_id)) {
        errors.push_back({row_path, "unknown_stage",
                          describe(row) + " に選択された " + quoted_stage(stage_id, nullptr) +
                              " は " + quoted_pipeline(pipeline_id, pipeline) + " にありません。"});
      }
      const auto seen = std::find_if(first_row_of_stage.begin(), first_row_of_stage.end(),
                                     [&](const auto& e) { return e.first == stage_id; });
      if (seen != first_row_of_stage.end()) {
        errors.push_back(
            {row_path, "duplicate_stage",
             quoted_pipeline(pipeline_id, pipeline) + " の " + quoted_stage(stage_id, pipeline) +
                 " が " + describe(seen->second) + " と " + describe(row) +
                 " の両方に選択されています。ステージは各ステータスと一対一になるように"
                 "選択してください。"});
      } else {
        first_row_of_stage.emplace_back(stage_id, row);
      }
    }
  }
  return errors;
}

}  // namespace

const PipelineStages* StageMapping::find(std::string_view pipeline_id) const {
  const auto it = pipelines.find(pipeline_id);
  return it == pipelines.end() ? nullptr : &it->second;
}

ValidationErrors validate_stage_mapping(const StageMapping& mapping, std::string_view field) {
  return validate(mapping, nullptr, field);
}

ValidationErrors validate_stage_mapping(const StageMapping& mapping,
                                        std::span<const HubSpotPipeline> known,
                                        std::string_view field) {
  return validate(mapping, &known, field);
}

std::optional<StageRow> row_for_stage(const StageMapping& mapping, std::string_view pipeline_id,
                                      std::string_view stage_id) {
  const PipelineStages* stages = mapping.find(pipeline_id);
  if (stages == nullptr || stage_id.empty()) return std::nullopt;
  for (StageRow row : stage_rows()) {
    const auto it = stages->find(row);
    if (it != stages->end() && it->second == stage_id) return row;
  }
  return std::nullopt;
}

std::optional<OrderStatus> order_status_for_stage(const StageMapping& mapping,
                                                  std::string_view pipeline_id,
                                                  std::string_view stage_id) {
  const auto row = row_for_stage(mapping, pipeline_id, stage_id);
  return row ? order_status_of(*row) : std::nullopt;
}

std::optional<std::string_view> stage_for_row(const StageMapping& mapping,
                                              std::string_view pipeline_id, StageRow row) {
  const PipelineStages* stages = mapping.find(pipeline_id);
  if (stages == nullptr) return std::nullopt;
  const auto it = stages->find(row);
  if (it == stages->end() || it->second.empty()) return std::nullopt;
  return std::string_view(it->second);
}

StageRow wanted_row(OrderStatus status, std::span<const InvoiceStatus> invoices) {
  if (status != OrderStatus::ordered) return row_of(status);
  if (invoices.empty()) return StageRow::order_5;
  const bool all_paid = std::all_of(invoices.begin(), invoices.end(),
                                    [](InvoiceStatus s) { return s == InvoiceStatus::paid; });
  if (all_paid) return StageRow::paid;
  const bool any_billed = std::any_of(invoices.begin(), invoices.end(), [](InvoiceStatus s) {
    return s == InvoiceStatus::billed || s == InvoiceStatus::partially_paid ||
           s == InvoiceStatus::paid;
  });
  return any_billed ? StageRow::invoiced : StageRow::order_5;
}

StageTarget target_deal_stage(const StageMapping& mapping, std::string_view pipeline_id,
                              OrderStatus status, std::span<const InvoiceStatus> invoices) {
  StageTarget target;
  target.wanted_row = wanted_row(status, invoices);
  std::vector<StageRow> candidates{target.wanted_row};
  if (target.wanted_row == StageRow::paid) {
    candidates = {StageRow::paid, StageRow::invoiced, StageRow::order_5};
  } else if (target.wanted_row == StageRow::invoiced) {
    candidates = {StageRow::invoiced, StageRow::order_5};
  }
  for (StageRow row : candidates) {
    if (auto stage = stage_for_row(mapping, pipeline_id, row)) {
      target.used_row = row;
      target.stage_id = std::string(*stage);
      break;
    }
  }
  return target;
}

}  // namespace hbsync::domain
