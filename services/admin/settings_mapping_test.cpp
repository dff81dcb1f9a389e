// POST /api/v1/hubspot/pipelines/reload (F1.3) and GET/PUT
// /api/v1/stage-mapping (F2) against the HubSpot simulator.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "settings_test_support.hpp"

namespace hbsync::admin::settings_test {
namespace {

TEST_F(SettingsRoutesTest, PipelinesReloadStoresHubSpotsPipelines) {
  const std::string id = stack().make_tenant();
  const int64_t before = version(id);
  stack().hubspot().control(
      "POST", "/_sim/portals/" + id + "/pipelines",
      R"({"id":"renewals","label":"更新","stages":[{"id":"r1","label":"更新検討"},{"id":"r2","label":"更新済"}]})");
  const auto response = api(stack().sign_in(id), "POST", "/api/v1/hubspot/pipelines/reload");
  ASSERT_EQ(response.status, 200) << response.body;
  const auto doc = parse(response.body);
  EXPECT_EQ(doc["version"].GetInt64(), before + 1);
  const auto saved = stack().store().get(id);
  const auto renewals = std::find_if(saved->pipelines.begin(), saved->pipelines.end(),
                                     [](const auto& p) { return p.id == "renewals"; });
  ASSERT_NE(renewals, saved->pipelines.end());
  ASSERT_EQ(renewals->stages.size(), 2u);
  EXPECT_EQ(renewals->stages[1].label, "更新済");
  EXPECT_EQ(saved->pipelines.size(), doc["pipelines"].Size());
}

TEST_F(SettingsRoutesTest, PipelinesReloadRefusesToStrandMappedStages) {
  const std::string id = stack().make_tenant();
  // HubSpot's "default" pipeline loses "closedwon", which 受注済 is mapped to.
  std::string stages;
  for (const auto& [stage, label] : testing::default_stages()) {
    if (stage == "closedwon") continue;
    stages += std::string(stages.empty() ? "" : ",") + R"({"id":")" + stage + R"(","label":")" +
              label + R"("})";
  }
  stack().hubspot().control(
      "POST", "/_sim/portals/" + id + "/pipelines",
      R"({"id":"default","label":"Sales Pipeline","stages":[)" + stages + "]}");
  const int64_t before = version(id);
  const auto response = api(stack().sign_in(id), "POST", "/api/v1/hubspot/pipelines/reload");
  ASSERT_EQ(response.status, 422) << response.body;
  expect_error(parse(response.body), "stage_mapping.default.order_5", "unknown_stage");
  EXPECT_EQ(version(id), before);
  const auto saved = stack().store().get(id);
  EXPECT_EQ(saved->pipelines.front().stages.size(), testing::default_stages().size());
}

TEST_F(SettingsRoutesTest, StageMappingRowsComeInBoardsDisplayOrder) {
  const std::string id = stack().make_tenant();
  const auto response = api(stack().sign_in(id), "GET", "/api/v1/stage-mapping");
  ASSERT_EQ(response.status, 200) << response.body;
  const auto doc = parse(response.body);
  std::vector<std::string> rows;
  std::vector<std::string> labels;
  for (const auto& r : doc["rows"].GetArray()) {
    rows.push_back(r["row"].GetString());
    labels.push_back(r["label"].GetString());
  }
  EXPECT_EQ(rows, (std::vector<std::string>{"order_1", "order_2", "order_3", "order_8", "order_4",
                                            "order_5", "order_9", "invoiced", "paid"}));
  EXPECT_EQ(labels,
            (std::vector<std::string>{"見積中(高)", "見積中(中)", "見積中(低)", "見積中(除)",
                                      "受注確定", "受注済", "失注", "請求済", "入金済"}));
  EXPECT_EQ(Pointer("/rows/3/code").Get(doc)->GetInt(), 8);
  EXPECT_FALSE(doc["rows"][7].HasMember("code"));
  EXPECT_EQ(doc["version"].GetInt64(), version(id));
  EXPECT_STREQ(Pointer("/stage_mapping/default/order_5").Get(doc)->GetString(), "closedwon");
  EXPECT_STREQ(Pointer("/pipelines/0/id").Get(doc)->GetString(), "default");
}

TEST_F(SettingsRoutesTest, AStageUsedTwiceIsAnErrorOnBothRowsAndNothingIsSaved) {
  const std::string id = stack().make_tenant();
  const int64_t before = version(id);
  const auto response = api(
      stack().sign_in(id), "PUT", "/api/v1/stage-mapping",
      R"({"version":)" + std::to_string(before) +
          R"(,"stage_mapping":{"default":{"order_1":"closedwon","order_5":"closedwon","paid":null}}})");
  ASSERT_EQ(response.status, 422) << response.body;
  const auto doc = parse(response.body);
  for (const char* row : {"stage_mapping.default.order_1", "stage_mapping.default.order_5"}) {
    const std::string message = expect_error(doc, row, "duplicate_stage");
    EXPECT_NE(message.find("見積中(高)"), std::string::npos) << message;
    EXPECT_NE(message.find("受注済"), std::string::npos) << message;
  }
  EXPECT_EQ(version(id), before);
  EXPECT_EQ(stack().store().get(id)->stage_mapping.pipelines.at("default").size(), 8u);
}

TEST_F(SettingsRoutesTest, UnknownStagesAndRowsAreRefused) {
  const std::string id = stack().make_tenant();
  const Browser browser = stack().sign_in(id);
  const int64_t before = version(id);
  const std::string v = std::to_string(before);
  const auto stage =
      api(browser, "PUT", "/api/v1/stage-mapping",
          R"({"version":)" + v + R"(,"stage_mapping":{"default":{"order_5":"no_such_stage"}}})");
  ASSERT_EQ(stage.status, 422) << stage.body;
  expect_error(parse(stage.body), "stage_mapping.default.order_5", "unknown_stage");
  const auto row =
      api(browser, "PUT", "/api/v1/stage-mapping",
          R"({"version":)" + v + R"(,"stage_mapping":{"default":{"order_7":"paid"}}})");
  ASSERT_EQ(row.status, 422) << row.body;
  expect_error(parse(row.body), "stage_mapping.default.order_7", "unknown_row");
  const auto pipeline =
      api(browser, "PUT", "/api/v1/stage-mapping",
          R"({"version":)" + v + R"(,"stage_mapping":{"nope":{"order_5":"closedwon"}}})");
  ASSERT_EQ(pipeline.status, 422) << pipeline.body;
  expect_error(parse(pipeline.body), "stage_mapping.nope", "unknown_pipeline");
  EXPECT_EQ(version(id), before);
}

TEST_F(SettingsRoutesTest, StageMappingIsSavedByIdCodeOrLabelUnderTheVersionGuard) {
  const std::string id = stack().make_tenant();
  const Browser browser = stack().sign_in(id);
  const int64_t before = version(id);
  const std::string mapping =
      R"({"default":{"order_1":"qualifiedtobuy","5":"closedwon","失注":"closedlost","paid":null}})";
  const auto stale =
      api(browser, "PUT", "/api/v1/stage-mapping",
          R"({"version":)" + std::to_string(before - 1) + R"(,"stage_mapping":)" + mapping + "}");
  ASSERT_EQ(stale.status, 409) << stale.body;
  EXPECT_EQ(version(id), before);

  const auto saved =
      api(browser, "PUT", "/api/v1/stage-mapping",
          R"({"version":)" + std::to_string(before) + R"(,"stage_mapping":)" + mapping + "}");
  ASSERT_EQ(saved.status, 200) << saved.body;
  EXPECT_EQ(parse(saved.body)["version"].GetInt64(), before + 1);
  const auto rows = stack().store().get(id)->stage_mapping.pipelines.at("default");
  using domain::StageRow;
  EXPECT_EQ(rows, (domain::PipelineStages{{StageRow::order_1, "qualifiedtobuy"},
                                          {StageRow::order_5, "closedwon"},
                                          {StageRow::order_9, "closedlost"}}));
}

}  // namespace
}  // namespace hbsync::admin::settings_test
