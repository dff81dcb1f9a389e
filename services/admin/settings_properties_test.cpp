// GET/POST /api/v1/hubspot/company-properties (F6.1) against the HubSpot
// simulator, and HubSpot being down.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "settings_test_support.hpp"

namespace hbsync::admin::settings_test {
namespace {

TEST_F(SettingsRoutesTest, CompanyPropertiesOfferOnlySingleLineText) {
  const std::string id = stack().make_tenant();
  const auto response = api(stack().sign_in(id), "GET", "/api/v1/hubspot/company-properties");
  ASSERT_EQ(response.status, 200) << response.body;
  const auto doc = parse(response.body);
  std::vector<std::string> names;
  for (const auto& p : doc["properties"].GetArray()) {
    names.push_back(p["name"].GetString());
    EXPECT_STREQ(p["type"].GetString(), "string");
    EXPECT_STREQ(p["field_type"].GetString(), "text");
  }
  EXPECT_NE(std::find(names.begin(), names.end(), "website"), names.end());
  for (const char* excluded : {"phone", "description", "numberofemployees", "hs_object_id"}) {
    EXPECT_EQ(std::find(names.begin(), names.end(), excluded), names.end()) << excluded;
  }
  EXPECT_STREQ(doc["link_property"].GetString(), "");
}

TEST_F(SettingsRoutesTest, CreatingTheLinkPropertyChoosesIt) {
  const std::string id = stack().make_tenant();
  const Browser browser = stack().sign_in(id);
  const int64_t before = version(id);
  const auto created = api(browser, "POST", "/api/v1/hubspot/company-properties",
                           R"({"name":"board_client_link","label":"board顧客URL"})");
  ASSERT_EQ(created.status, 201) << created.body;
  const auto doc = parse(created.body);
  EXPECT_STREQ(Pointer("/property/name").Get(doc)->GetString(), "board_client_link");
  EXPECT_STREQ(Pointer("/property/label").Get(doc)->GetString(), "board顧客URL");
  EXPECT_EQ(doc["version"].GetInt64(), before + 1);
  EXPECT_EQ(stack().store().get(id)->hubspot.link_property, "board_client_link");
  const auto listed = parse(api(browser, "GET", "/api/v1/hubspot/company-properties").body);
  EXPECT_STREQ(listed["link_property"].GetString(), "board_client_link");

  // It exists now as text: chosen again as it is.
  const auto again = api(browser, "POST", "/api/v1/hubspot/company-properties",
                         R"({"name":"board_client_link","label":"別名"})");
  ASSERT_EQ(again.status, 201) << again.body;
  EXPECT_STREQ(Pointer("/property/label").Get(parse(again.body))->GetString(), "board顧客URL");
}

TEST_F(SettingsRoutesTest, ALinkPropertyThatCannotHoldTheLinkIsRefused) {
  const std::string id = stack().make_tenant();
  const Browser browser = stack().sign_in(id);
  const int64_t before = version(id);
  const auto number = api(browser, "POST", "/api/v1/hubspot/company-properties",
                          R"({"name":"numberofemployees","label":"従業員数"})");
  ASSERT_EQ(number.status, 422) << number.body;
  expect_error(parse(number.body), "name", "property_type_mismatch");

  const auto bad = api(browser, "POST", "/api/v1/hubspot/company-properties",
                       R"({"name":"Board Link","label":""})");
  ASSERT_EQ(bad.status, 422) << bad.body;
  const auto bad_doc = parse(bad.body);
  expect_error(bad_doc, "name", "invalid_property_name");
  expect_error(bad_doc, "label", "invalid_label");
  const auto listed = api(browser, "GET", "/api/v1/hubspot/company-properties");
  EXPECT_EQ(listed.body.find("Board Link"), std::string::npos) << "created in HubSpot";
  EXPECT_EQ(version(id), before);
  EXPECT_EQ(stack().store().get(id)->hubspot.link_property, "");
}

TEST_F(SettingsRoutesTest, HubSpotDownIsUnavailableAndNothingIsSaved) {
  const std::string id = stack().make_tenant();
  const Browser browser = stack().sign_in(id);
  const int64_t before = version(id);
  {
    Outage outage(stack().hubspot());
    for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
             {"POST", "/api/v1/hubspot/pipelines/reload"},
             {"GET", "/api/v1/hubspot/company-properties"}}) {
      const auto response = api(browser, method, path);
      EXPECT_EQ(response.status, 503) << path << ": " << response.body;
      EXPECT_EQ(error_code(parse(response.body)), "hubspot_unavailable") << path;
    }
    const auto create = api(browser, "POST", "/api/v1/hubspot/company-properties",
                            R"({"name":"board_link_down","label":"board"})");
    EXPECT_EQ(create.status, 503) << create.body;
  }
  EXPECT_EQ(version(id), before);
  EXPECT_EQ(stack().store().get(id)->hubspot.link_property, "");
}

}  // namespace
}  // namespace hbsync::admin::settings_test
