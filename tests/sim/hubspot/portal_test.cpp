#include "portal.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

namespace hbsync::sim_hubspot {
namespace {

constexpr int64_t kNow = 1700000000000;

PropertyInput props(std::initializer_list<std::pair<std::string, std::string>> list) {
  return PropertyInput(list);
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ApiError& e) {
    return std::to_string(e.status) + " " + e.category + " " + e.what();
  }
  return "no error";
}

TEST(Portal, CreatesDealsWithIncreasingIdsAboveInt32) {
  Portal p(1, kNow, std::chrono::milliseconds(0));
  Changes changes;
  const CrmObject& a = p.create(
      ObjectKind::deal, props({{"dealname", "A"}, {"dealstage", "qualifiedtobuy"}}), kNow, changes);
  int64_t first = a.id;
  const CrmObject& b = p.create(ObjectKind::company, props({{"name", "B"}}), kNow, changes);
  EXPECT_GT(first, int64_t{1} << 31);
  EXPECT_GT(b.id, first);
  EXPECT_EQ(p.find(ObjectKind::deal, first)->value("pipeline"), "default");
}

TEST(Portal, CreationReportsCreationAndEachSetProperty) {
  Portal p(1, kNow, std::chrono::milliseconds(0));
  Changes changes;
  p.create(ObjectKind::deal,
           props({{"dealname", "A"}, {"dealstage", "qualifiedtobuy"}, {"amount", ""}}), kNow,
           changes);
  ASSERT_EQ(changes.size(), 4u);  // creation, dealname, dealstage, pipeline (defaulted)
  EXPECT_EQ(changes[0].kind, Change::Kind::creation);
  for (size_t i = 1; i < changes.size(); ++i) {
    EXPECT_EQ(changes[i].kind, Change::Kind::property_change);
  }
}

TEST(Portal, RejectsUnknownReadOnlyAndBadlyTypedProperties) {
  Portal p(7, kNow, std::chrono::milliseconds(0));
  Changes changes;
  std::string e = error_of([&] {
    p.create(ObjectKind::company,
             props({{"nosuch", "x"}, {"hs_object_id", "1"}, {"numberofemployees", "many"}}), kNow,
             changes);
  });
  EXPECT_NE(e.find("400 VALIDATION_ERROR Property values were not valid"), std::string::npos) << e;
  EXPECT_NE(e.find("PROPERTY_DOESNT_EXIST"), std::string::npos) << e;
  EXPECT_NE(e.find("READ_ONLY_VALUE"), std::string::npos) << e;
  EXPECT_NE(e.find("INVALID_DECIMAL"), std::string::npos) << e;
  EXPECT_TRUE(changes.empty());
  EXPECT_TRUE(p.list(ObjectKind::company, false).empty());
}

TEST(Portal, DealStageMustBelongToThePipeline) {
  Portal p(1, kNow, std::chrono::milliseconds(0));
  Changes changes;
  EXPECT_NE(error_of([&] {
              p.create(ObjectKind::deal, props({{"dealname", "A"}}), kNow, changes);
            }).find("REQUIRED_PROPERTY"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              p.create(ObjectKind::deal, props({{"dealstage", "nosuch"}}), kNow, changes);
            }).find("INVALID_OPTION"),
            std::string::npos);
  Pipeline other;
  other.id = "p2";
  other.stages = {{"s1", "One", 0, false, "0.1"}};
  p.put_pipeline(other);
  int64_t id = p.create(ObjectKind::deal, props({{"dealstage", "closedwon"}}), kNow, changes).id;
  EXPECT_NE(error_of([&] {
              p.update(ObjectKind::deal, id, props({{"pipeline", "p2"}}), kNow, changes);
            }).find("INVALID_OPTION"),
            std::string::npos);
  p.update(ObjectKind::deal, id, props({{"pipeline", "p2"}, {"dealstage", "s1"}}), kNow, changes);
  EXPECT_EQ(p.find(ObjectKind::deal, id)->value("dealstage"), "s1");
}

TEST(Portal, UpdateReportsOnlyChangedValuesAndNormalisesDates) {
  Portal p(1, kNow, std::chrono::milliseconds(0));
  Changes changes;
  int64_t id = p.create(ObjectKind::deal,
                        props({{"dealstage", "qualifiedtobuy"}, {"amount", "10"}}), kNow, changes)
                   .id;
  changes.clear();
  p.update(ObjectKind::deal, id, props({{"amount", "10"}, {"closedate", "2024-03-01"}}), kNow + 5,
           changes);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].property_name, "closedate");
  EXPECT_EQ(changes[0].property_value, "2024-03-01T00:00:00.000Z");
  EXPECT_EQ(p.find(ObjectKind::deal, id)->updated_ms, kNow + 5);
}

TEST(Portal, PrimaryAssociationMovesAndReportsBothDirections) {
  Portal p(1, kNow, std::chrono::milliseconds(0));
  Changes changes;
  int64_t deal =
      p.create(ObjectKind::deal, props({{"dealstage", "qualifiedtobuy"}}), kNow, changes).id;
  int64_t a = p.create(ObjectKind::company, props({{"name", "A"}}), kNow, changes).id;
  int64_t b = p.create(ObjectKind::company, props({{"name", "B"}}), kNow, changes).id;
  changes.clear();
  p.associate(deal, a, true, kNow, changes);
  // unlabeled both ways + primary both ways
  ASSERT_EQ(changes.size(), 4u);
  EXPECT_EQ(changes[0].object, ObjectKind::deal);
  EXPECT_EQ(changes[1].object, ObjectKind::company);
  EXPECT_TRUE(changes[2].primary);
  changes.clear();
  p.associate(deal, b, true, kNow, changes);
  auto companies = p.associated(ObjectKind::deal, deal);
  ASSERT_EQ(companies.size(), 2u);
  EXPECT_FALSE(companies[0].primary);
  EXPECT_TRUE(companies[1].primary);
  // b: unlabeled pair; a: primary removed pair; b: primary added pair
  EXPECT_EQ(changes.size(), 6u);
  auto deals = p.associated(ObjectKind::company, b);
  ASSERT_EQ(deals.size(), 1u);
  EXPECT_TRUE(deals[0].primary);
  changes.clear();
  EXPECT_TRUE(p.dissociate(deal, b, kNow, changes));
  EXPECT_EQ(changes.size(), 4u);
  EXPECT_FALSE(p.dissociate(deal, b, kNow, changes));
}

TEST(Portal, ArchivedObjectsDisappearFromReadsAndAssociations) {
  Portal p(1, kNow, std::chrono::milliseconds(0));
  Changes changes;
  int64_t deal =
      p.create(ObjectKind::deal, props({{"dealstage", "qualifiedtobuy"}}), kNow, changes).id;
  int64_t company = p.create(ObjectKind::company, props({{"name", "A"}}), kNow, changes).id;
  p.associate(deal, company, false, kNow, changes);
  EXPECT_TRUE(p.archive(ObjectKind::company, company, kNow, changes));
  EXPECT_EQ(p.find(ObjectKind::company, company), nullptr);
  EXPECT_NE(p.find(ObjectKind::company, company, true), nullptr);
  EXPECT_TRUE(p.associated(ObjectKind::deal, deal).empty());
  EXPECT_FALSE(p.archive(ObjectKind::company, company, kNow, changes));
}

TEST(Portal, MergeKeepsPrimaryValuesMovesAssociationsAndRedirectsIds) {
  Portal p(1, kNow, std::chrono::milliseconds(0));
  Changes changes;
  int64_t keep = p.create(ObjectKind::company, props({{"name", "Keep"}}), kNow, changes).id;
  int64_t gone =
      p.create(ObjectKind::company, props({{"name", "Gone"}, {"city", "Tokyo"}}), kNow, changes).id;
  int64_t deal =
      p.create(ObjectKind::deal, props({{"dealstage", "qualifiedtobuy"}}), kNow, changes).id;
  p.associate(deal, gone, true, kNow, changes);
  changes.clear();
  const CrmObject& survivor = p.merge(ObjectKind::company, keep, gone, kNow, changes);
  EXPECT_EQ(survivor.value("name"), "Keep");
  EXPECT_EQ(survivor.value("city"), "Tokyo");
  ASSERT_FALSE(changes.empty());
  EXPECT_EQ(changes[0].kind, Change::Kind::merge);
  EXPECT_EQ(changes[0].merged_ids, std::vector<int64_t>{gone});
  EXPECT_EQ(p.find(ObjectKind::company, gone)->id, keep);
  auto companies = p.associated(ObjectKind::deal, deal);
  ASSERT_EQ(companies.size(), 1u);
  EXPECT_EQ(companies[0].id, keep);
  EXPECT_TRUE(companies[0].primary);
}

TEST(Portal, SearchViewTrailsWritesByTheLag) {
  Portal p(1, kNow, std::chrono::milliseconds(2000));
  Changes changes;
  int64_t id = p.create(ObjectKind::company, props({{"name", "Old"}}), kNow, changes).id;
  EXPECT_TRUE(p.search_view(ObjectKind::company, kNow + 1999).empty());
  ASSERT_EQ(p.search_view(ObjectKind::company, kNow + 2000).size(), 1u);
  p.update(ObjectKind::company, id, props({{"name", "New"}}), kNow + 3000, changes);
  EXPECT_EQ(p.search_view(ObjectKind::company, kNow + 4000)[0].value("name"), "Old");
  EXPECT_EQ(p.search_view(ObjectKind::company, kNow + 5000)[0].value("name"), "New");
}

TEST(Portal, PropertyNamesAreUnique) {
  Portal p(1, kNow, std::chrono::milliseconds(0));
  rapidjson::Document body;
  body.Parse(
      R"({"name":"board_url","label":"board","type":"string","fieldType":"text","groupName":"companyinformation"})");
  p.add_property(ObjectKind::company, parse_property_create(ObjectKind::company, body, kNow));
  EXPECT_EQ(error_of([&] {
              p.add_property(ObjectKind::company,
                             parse_property_create(ObjectKind::company, body, kNow));
            }).substr(0, 12),
            "409 CONFLICT");
  rapidjson::Document bad;
  bad.Parse(
      R"({"name":"x","label":"x","type":"string","fieldType":"number","groupName":"companyinformation"})");
  EXPECT_EQ(error_of([&] { parse_property_create(ObjectKind::company, bad, kNow); }).substr(0, 3),
            "400");
}

}  // namespace
}  // namespace hbsync::sim_hubspot
