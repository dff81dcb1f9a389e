#include "hbsync/domain/stage_mapping.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hbsync::domain {
namespace {

using S = InvoiceStatus;
using O = OrderStatus;

std::vector<HubSpotPipeline> known_pipelines() {
  return {
      {"default",
       "営業パイプライン",
       {{"appointmentscheduled", "アポ設定済み"},
        {"qualifiedtobuy", "購入見込みあり"},
        {"presentationscheduled", "プレゼン予定"},
        {"decisionmakerboughtin", "意思決定者の賛同"},
        {"contractsent", "契約書送付済み"},
        {"closedwon", "成約"},
        {"closedlost", "失注"},
        {"invoiced_stage", "請求済"},
        {"paid_stage", "入金済"}}},
      {"12345", "代理店", {{"1001", "リード"}, {"1002", "受注"}, {"1003", "失注"}}},
  };
}

StageMapping full_mapping() {
  StageMapping m;
  m.pipelines["default"] = {
      {StageRow::order_1, "appointmentscheduled"},
      {StageRow::order_2, "qualifiedtobuy"},
      {StageRow::order_3, "presentationscheduled"},
      {StageRow::order_8, "decisionmakerboughtin"},
      {StageRow::order_4, "contractsent"},
      {StageRow::order_5, "closedwon"},
      {StageRow::order_9, "closedlost"},
      {StageRow::invoiced, "invoiced_stage"},
      {StageRow::paid, "paid_stage"},
  };
  m.pipelines["12345"] = {
      {StageRow::order_1, "1001"}, {StageRow::order_5, "1002"}, {StageRow::order_9, "1003"}};
  return m;
}

std::vector<std::pair<std::string, std::string>> fields_and_codes(const ValidationErrors& errors) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& e : errors) out.emplace_back(e.field, e.code);
  return out;
}

// SPEC F2: several pipelines can be mapped; a full one-to-one mapping is valid.
TEST(StageMappingValidationTest, FullMappingOfSeveralPipelinesIsValid) {
  EXPECT_TRUE(validate_stage_mapping(full_mapping()).empty());
  EXPECT_TRUE(validate_stage_mapping(full_mapping(), known_pipelines()).empty());
}

TEST(StageMappingValidationTest, PartialAndEmptyMappingsAreValid) {
  StageMapping m;
  EXPECT_TRUE(validate_stage_mapping(m, known_pipelines()).empty());
  m.pipelines["default"] = {{StageRow::order_5, "closedwon"}};
  EXPECT_TRUE(validate_stage_mapping(m, known_pipelines()).empty());
}

// SPEC F2 / seed: 同じステージを選択するとエラー; the error names both rows.
TEST(StageMappingValidationTest, SameStageForTwoRowsNamesBothRows) {
  StageMapping m;
  m.pipelines["default"] = {{StageRow::order_5, "closedwon"}, {StageRow::paid, "closedwon"}};
  const auto errors = validate_stage_mapping(m, known_pipelines());
  ASSERT_EQ(errors.size(), 1u);
  const auto& e = errors[0];
  EXPECT_EQ(e.field, "stage_mapping.default.paid");
  EXPECT_EQ(e.code, "duplicate_stage");
  for (std::string_view part : {"受注済", "order_5", "入金済", "paid", "closedwon", "成約",
                                "営業パイプライン", "default"}) {
    EXPECT_NE(e.message.find(part), std::string::npos) << part << " in " << e.message;
  }
}

TEST(StageMappingValidationTest, SameStageInDifferentPipelinesIsFine) {
  StageMapping m;
  m.pipelines["a"] = {{StageRow::order_5, "won"}};
  m.pipelines["b"] = {{StageRow::order_5, "won"}, {StageRow::order_9, "lost"}};
  EXPECT_TRUE(validate_stage_mapping(m).empty());
}

TEST(StageMappingValidationTest, ThreeRowsOnOneStageGiveTwoErrors) {
  StageMapping m;
  m.pipelines["default"] = {
      {StageRow::order_1, "x"}, {StageRow::order_2, "x"}, {StageRow::invoiced, "x"}};
  const auto errors = validate_stage_mapping(m);
  EXPECT_EQ(fields_and_codes(errors), (std::vector<std::pair<std::string, std::string>>{
                                          {"stage_mapping.default.order_2", "duplicate_stage"},
                                          {"stage_mapping.default.invoiced", "duplicate_stage"},
                                      }));
  EXPECT_NE(errors[1].message.find("見積中(高) (order_1)"), std::string::npos);
  EXPECT_NE(errors[1].message.find("請求済 (invoiced)"), std::string::npos);
}

// The later row is the one further down the screen (display order 1,2,3,8,4,5,9).
TEST(StageMappingValidationTest, DuplicateIsReportedAtTheLaterRowInScreenOrder) {
  StageMapping m;
  m.pipelines["p"] = {{StageRow::order_4, "s"}, {StageRow::order_8, "s"}};
  const auto errors = validate_stage_mapping(m);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].field, "stage_mapping.p.order_4");
}

TEST(StageMappingValidationTest, UnknownPipelineAndStageAreNamed) {
  StageMapping m;
  m.pipelines["default"] = {{StageRow::order_1, "nosuchstage"}, {StageRow::order_5, "closedwon"}};
  m.pipelines["999"] = {{StageRow::order_1, "1001"}};
  m.pipelines["12345"] = {{StageRow::order_5, "closedwon"}};  // a stage of another pipeline
  const auto errors = validate_stage_mapping(m, known_pipelines());
  EXPECT_EQ(fields_and_codes(errors), (std::vector<std::pair<std::string, std::string>>{
                                          {"stage_mapping.12345.order_5", "unknown_stage"},
                                          {"stage_mapping.999", "unknown_pipeline"},
                                          {"stage_mapping.default.order_1", "unknown_stage"},
                                      }));
  EXPECT_NE(errors[1].message.find("999"), std::string::npos);
  EXPECT_NE(errors[2].message.find("nosuchstage"), std::string::npos);
  EXPECT_NE(errors[2].message.find("見積中(高) (order_1)"), std::string::npos);
}

// All errors of a save, not only the first.
TEST(StageMappingValidationTest, ReturnsAllErrorsAcrossPipelines) {
  StageMapping m;
  m.pipelines["default"] = {{StageRow::order_1, "closedwon"},
                            {StageRow::order_5, "closedwon"},
                            {StageRow::order_9, "gone"},
                            {StageRow::paid, ""}};
  m.pipelines["12345"] = {{StageRow::order_1, "1001"}, {StageRow::order_2, "1001"}};
  m.pipelines[""] = {};
  const auto errors = validate_stage_mapping(m, known_pipelines());
  EXPECT_EQ(fields_and_codes(errors), (std::vector<std::pair<std::string, std::string>>{
                                          {"stage_mapping", "empty_pipeline_id"},
                                          {"stage_mapping.12345.order_2", "duplicate_stage"},
                                          {"stage_mapping.default.order_5", "duplicate_stage"},
                                          {"stage_mapping.default.order_9", "unknown_stage"},
                                          {"stage_mapping.default.paid", "empty_stage_id"},
                                      }));
}

TEST(StageMappingValidationTest, FieldPrefixIsConfigurable) {
  StageMapping m;
  m.pipelines["p"] = {{StageRow::order_1, "s"}, {StageRow::order_2, "s"}};
  const auto errors = validate_stage_mapping(m, "tenant.stage_mapping");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].field, "tenant.stage_mapping.p.order_2");
}

// SPEC F2, F3.6 and the seed: 「請求済」「入金済」 stages never sync HubSpot->board.
TEST(StageLookupTest, StageToOrderStatus) {
  const StageMapping m = full_mapping();
  struct Case {
    std::string pipeline, stage;
    std::optional<OrderStatus> want;
  };
  const std::vector<Case> cases = {
      {"default", "appointmentscheduled", O::estimate_high},
      {"default", "qualifiedtobuy", O::estimate_medium},
      {"default", "presentationscheduled", O::estimate_low},
      {"default", "decisionmakerboughtin", O::estimate_excluded},
      {"default", "contractsent", O::order_confirmed},
      {"default", "closedwon", O::ordered},
      {"default", "closedlost", O::lost},
      {"default", "invoiced_stage", std::nullopt},  // 請求済 row
      {"default", "paid_stage", std::nullopt},      // 入金済 row
      {"default", "unmapped", std::nullopt},
      {"default", "", std::nullopt},
      {"12345", "1002", O::ordered},
      {"12345", "closedwon", std::nullopt},  // stage of another pipeline
      {"777", "closedwon", std::nullopt},    // pipeline not mapped
  };
  for (const auto& c : cases) {
    EXPECT_EQ(order_status_for_stage(m, c.pipeline, c.stage), c.want)
        << c.pipeline << "/" << c.stage;
  }
  EXPECT_EQ(row_for_stage(m, "default", "invoiced_stage"), StageRow::invoiced);
  EXPECT_EQ(row_for_stage(m, "default", "paid_stage"), StageRow::paid);
}

// F4.5 (and the seed FAQ: 請求済/入金済 are reflected only for 受注済 projects).
TEST(WantedRowTest, InvoiceStatesMatterOnlyForOrdered) {
  struct Case {
    std::string name;
    OrderStatus status;
    std::vector<InvoiceStatus> invoices;
    StageRow want;
  };
  const std::vector<Case> cases = {
      {"ordered_no_invoices", O::ordered, {}, StageRow::order_5},
      {"ordered_unbilled", O::ordered, {S::unbilled}, StageRow::order_5},
      {"ordered_ready_to_bill", O::ordered, {S::ready_to_bill}, StageRow::order_5},
      {"ordered_billed", O::ordered, {S::billed}, StageRow::invoiced},
      {"ordered_partially_paid", O::ordered, {S::partially_paid}, StageRow::invoiced},
      {"ordered_all_paid", O::ordered, {S::paid}, StageRow::paid},
      {"ordered_all_paid_several", O::ordered, {S::paid, S::paid, S::paid}, StageRow::paid},
      {"ordered_one_paid_one_unbilled", O::ordered, {S::paid, S::unbilled}, StageRow::invoiced},
      {"ordered_billed_and_unbilled", O::ordered, {S::unbilled, S::billed}, StageRow::invoiced},
      {"ordered_uncollectible_only", O::ordered, {S::uncollectible}, StageRow::order_5},
      {"ordered_paid_and_uncollectible",
       O::ordered,
       {S::paid, S::uncollectible},
       StageRow::invoiced},
      {"confirmed_ignores_paid", O::order_confirmed, {S::paid}, StageRow::order_4},
      {"estimate_ignores_billed", O::estimate_high, {S::billed}, StageRow::order_1},
      {"lost_ignores_paid", O::lost, {S::paid}, StageRow::order_9},
      {"excluded_no_invoices", O::estimate_excluded, {}, StageRow::order_8},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(wanted_row(c.status, c.invoices), c.want) << c.name;
  }
}

// F4.3: each order status maps back through the deal's pipeline.
TEST(TargetStageTest, EveryOrderStatusMapsToItsStage) {
  const StageMapping m = full_mapping();
  const std::vector<std::pair<OrderStatus, std::string>> cases = {
      {O::estimate_high, "appointmentscheduled"},
      {O::estimate_medium, "qualifiedtobuy"},
      {O::estimate_low, "presentationscheduled"},
      {O::estimate_excluded, "decisionmakerboughtin"},
      {O::order_confirmed, "contractsent"},
      {O::ordered, "closedwon"},
      {O::lost, "closedlost"},
  };
  for (const auto& [status, stage] : cases) {
    const auto t = target_deal_stage(m, "default", status, {});
    EXPECT_EQ(t.stage_id, stage) << label(status);
    EXPECT_EQ(t.used_row, t.wanted_row);
  }
}

TEST(TargetStageTest, InvoiceStatesForOrdered) {
  const StageMapping m = full_mapping();
  const std::vector<S> paid = {S::paid, S::paid};
  const std::vector<S> billed = {S::billed};
  EXPECT_EQ(target_deal_stage(m, "default", O::ordered, paid).stage_id, "paid_stage");
  EXPECT_EQ(target_deal_stage(m, "default", O::ordered, billed).stage_id, "invoiced_stage");
  EXPECT_EQ(target_deal_stage(m, "default", O::ordered, {}).stage_id, "closedwon");
}

// Decision: a missing stage for paid falls back to invoiced, then 受注済;
// invoiced falls back to 受注済; other rows give no change.
TEST(TargetStageTest, FallbacksWhenTheWantedRowIsNotMapped) {
  StageMapping m;
  m.pipelines["12345"] = {{StageRow::order_5, "1002"}};
  m.pipelines["p2"] = {{StageRow::order_5, "won"}, {StageRow::invoiced, "billed"}};
  const std::vector<S> paid = {S::paid};
  const std::vector<S> billed = {S::billed};

  auto t = target_deal_stage(m, "p2", O::ordered, paid);
  EXPECT_EQ(t.wanted_row, StageRow::paid);
  EXPECT_EQ(t.used_row, StageRow::invoiced);
  EXPECT_EQ(t.stage_id, "billed");

  t = target_deal_stage(m, "12345", O::ordered, paid);
  EXPECT_EQ(t.used_row, StageRow::order_5);
  EXPECT_EQ(t.stage_id, "1002");

  t = target_deal_stage(m, "12345", O::ordered, billed);
  EXPECT_EQ(t.wanted_row, StageRow::invoiced);
  EXPECT_EQ(t.stage_id, "1002");

  t = target_deal_stage(m, "12345", O::estimate_low, {});
  EXPECT_EQ(t.wanted_row, StageRow::order_3);
  EXPECT_FALSE(t.used_row);
  EXPECT_FALSE(t.stage_id);

  t = target_deal_stage(m, "unmapped-pipeline", O::ordered, paid);
  EXPECT_FALSE(t.stage_id);
}

TEST(TargetStageTest, NoFallbackWhenEvenOrderedIsMissing) {
  StageMapping m;
  m.pipelines["p"] = {{StageRow::order_1, "lead"}};
  const std::vector<S> paid = {S::paid};
  EXPECT_FALSE(target_deal_stage(m, "p", O::ordered, paid).stage_id);
}

}  // namespace
}  // namespace hbsync::domain
