#include "search.hpp"

#include <gtest/gtest.h>

namespace hbsync::sim_hubspot {
namespace {

constexpr int64_t kNow = 1700000000000;

class SearchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Changes changes;
    for (const char* name : {"Acme 株式会社", "acme", "Globex", "Initech"}) {
      p_.create(ObjectKind::company,
                {{"name", name}, {"numberofemployees", std::to_string(std::string(name).size())}},
                kNow, changes);
    }
  }

  SearchResult run(const char* json) {
    rapidjson::Document body;
    body.Parse(json);
    return run_search(p_, ObjectKind::company, parse_search(p_, ObjectKind::company, body), kNow);
  }

  int status_of(const char* json) {
    try {
      run(json);
    } catch (const ApiError& e) {
      return e.status;
    }
    return 200;
  }

  Portal p_{1, kNow, std::chrono::milliseconds(0)};
};

TEST_F(SearchTest, EqIsCaseInsensitive) {
  auto r = run(
      R"({"filterGroups":[{"filters":[{"propertyName":"name","operator":"EQ","value":"ACME"}]}]})");
  ASSERT_EQ(r.total, 1);
  EXPECT_EQ(r.page[0].value("name"), "acme");
}

TEST_F(SearchTest, GroupsAreOredFiltersAnded) {
  auto r = run(R"({"filterGroups":[
      {"filters":[{"propertyName":"name","operator":"EQ","value":"Globex"}]},
      {"filters":[{"propertyName":"name","operator":"CONTAINS_TOKEN","value":"acme"},
                  {"propertyName":"numberofemployees","operator":"GT","value":"5"}]}]})");
  EXPECT_EQ(r.total, 2);
}

TEST_F(SearchTest, InComparesAgainstLowerCasedText) {
  EXPECT_EQ(
      run(R"({"filterGroups":[{"filters":[{"propertyName":"name","operator":"IN","values":["globex"]}]}]})")
          .total,
      1);
  EXPECT_EQ(
      run(R"({"filterGroups":[{"filters":[{"propertyName":"name","operator":"IN","values":["Globex"]}]}]})")
          .total,
      0);
}

TEST_F(SearchTest, PagesWithAfter) {
  auto first = run(R"({"limit":3})");
  EXPECT_EQ(first.total, 4);
  ASSERT_EQ(first.page.size(), 3u);
  ASSERT_TRUE(first.next_after);
  auto second =
      run((R"({"limit":3,"after":")" + std::to_string(*first.next_after) + "\"}").c_str());
  ASSERT_EQ(second.page.size(), 1u);
  EXPECT_FALSE(second.next_after);
}

TEST_F(SearchTest, EnforcesHubSpotLimits) {
  EXPECT_EQ(status_of(R"({"limit":201})"), 400);
  EXPECT_EQ(status_of(R"({"limit":200})"), 200);
  EXPECT_EQ(
      status_of(
          R"({"filterGroups":[{"filters":[{"propertyName":"nosuch","operator":"EQ","value":"x"}]}]})"),
      400);
  EXPECT_EQ(
      status_of(
          R"({"filterGroups":[{"filters":[{"propertyName":"name","operator":"LIKE","value":"x"}]}]})"),
      400);
  EXPECT_EQ(status_of(R"({"after":"9950","limit":100})"), 400);
  EXPECT_EQ(
      status_of(
          R"({"filterGroups":[{"filters":[]},{"filters":[]},{"filters":[]},{"filters":[]},{"filters":[]},{"filters":[]}]})"),
      400);
}

TEST_F(SearchTest, SortsByAProperty) {
  auto r = run(R"({"sorts":[{"propertyName":"name","direction":"DESCENDING"}]})");
  ASSERT_EQ(r.page.size(), 4u);
  EXPECT_EQ(r.page[0].value("name"), "Initech");
}

}  // namespace
}  // namespace hbsync::sim_hubspot
