// GET/PUT /api/v1/settings (F6) against a real Redis and the real session
// layer: the masked document, every F6 setting saved, validation with paths
// and Japanese messages, the version guard, credentials refused, tenant
// isolation. Every answer is checked against docs/admin-api.yaml.
#include <gtest/gtest.h>

#include <string>

#include "settings_test_support.hpp"

namespace hbsync::admin::settings_test {
namespace {

TEST_F(SettingsRoutesTest, GetSettingsIsTheTenantsMaskedDocumentWithItsVersion) {
  const std::string id = stack().make_tenant();
  const auto response = api(stack().sign_in(id), "GET", "/api/v1/settings");
  ASSERT_EQ(response.status, 200) << response.body;
  auto doc = parse(response.body);
  EXPECT_EQ(doc["version"].GetInt64(), version(id));
  EXPECT_STREQ(Pointer("/settings/tenant_id").Get(doc)->GetString(), id.c_str());
  EXPECT_STREQ(Pointer("/settings/board/api_key").Get(doc)->GetString(), "(set)");
  EXPECT_STREQ(Pointer("/settings/hubspot/access_token").Get(doc)->GetString(), "(set)");
  const auto& made = stack().tenant(id);
  for (const auto& secret :
       {made.board_api_key, made.board_api_token, made.hubspot_token, made.user}) {
    EXPECT_EQ(response.body.find(secret), std::string::npos) << "credential in the answer";
  }
}

TEST_F(SettingsRoutesTest, PutSettingsSavesEveryF6SettingAndKeepsTheCredentials) {
  const std::string id = stack().make_tenant();
  const Browser browser = stack().sign_in(id);
  const int64_t before = version(id);
  const int64_t second_user = stack().tenant(id).board_user_ids.back();
  const auto response = put_edited(browser, [&](rapidjson::Document& body) {
    Pointer("/settings/hubspot/link_property").Set(body, "board_link");
    Pointer("/settings/company_field_mapping/abbreviation_words/0").Set(body, "一般社団法人");
    Pointer("/settings/amount_sync").Set(body, false);
    Pointer("/settings/board/default_user_id").Set(body, second_user);
    Pointer("/settings/invoice_date_rule").Set(body, "current_month_end");
    Pointer("/settings/management_no/enabled").Set(body, false);
    Pointer("/settings/management_no/prefix").Set(body, "DEAL-");
    Pointer("/settings/schedule/time").Set(body, "04:30");
    Pointer("/settings/schedule/time_zone").Set(body, "UTC");
    Pointer("/settings/schedule/interval_minutes").Set(body, 30);
    Pointer("/settings/keep_customers_updated").Set(body, true);
    body["settings"].RemoveMember("tenant_id");  // absent: the session's
  });
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(parse(response.body)["version"].GetInt64(), before + 1);
  EXPECT_EQ(version(id), before + 1);

  const auto saved = stack().store().get(id);
  ASSERT_TRUE(saved);
  EXPECT_EQ(saved->hubspot.link_property, "board_link");
  EXPECT_EQ(saved->company_field_mapping.abbreviation_words.front(), "一般社団法人");
  EXPECT_FALSE(saved->amount_sync);
  EXPECT_EQ(saved->board.default_user_id, second_user);
  EXPECT_EQ(saved->invoice_date_rule, domain::InvoiceDateRule::current_month_end);
  EXPECT_FALSE(saved->management_no.enabled);
  EXPECT_EQ(saved->management_no.prefix, "DEAL-");
  EXPECT_EQ(saved->schedule.time, "04:30");
  EXPECT_EQ(saved->schedule.time_zone, "UTC");
  EXPECT_EQ(saved->schedule.interval_minutes, 30);
  EXPECT_TRUE(saved->keep_customers_updated);
  const auto& made = stack().tenant(id);
  EXPECT_EQ(saved->board.api_key, made.board_api_key);
  EXPECT_EQ(saved->board.api_token, made.board_api_token);
  EXPECT_EQ(saved->hubspot.access_token, made.hubspot_token);
  EXPECT_EQ(saved->hubspot.user, made.user);
}

TEST_F(SettingsRoutesTest, PutSettingsNamesEveryProblemWithItsPathInJapaneseAndSavesNothing) {
  const std::string id = stack().make_tenant();
  const int64_t before = version(id);
  const auto response = put_edited(stack().sign_in(id), [](rapidjson::Document& body) {
    Pointer("/settings/schedule/interval_minutes").Set(body, 5);
    Pointer("/settings/schedule/time").Set(body, "25:00");
    Pointer("/settings/management_no/prefix").Set(body, "HS1");
    Pointer("/settings/amount_snyc").Set(body, false);
    Pointer("/settings/invoice_date_rule").Set(body, "someday");
  });
  ASSERT_EQ(response.status, 422) << response.body;
  const auto doc = parse(response.body);
  EXPECT_EQ(error_code(doc), "validation");
  // The typo is refused at parse time; the rules run on a document that reads.
  expect_error(doc, "amount_snyc", "unknown_field");
  expect_error(doc, "invoice_date_rule", "unknown_value");

  const auto rules = put_edited(stack().sign_in(id), [](rapidjson::Document& body) {
    Pointer("/settings/schedule/interval_minutes").Set(body, 5);
    Pointer("/settings/schedule/time").Set(body, "25:00");
    Pointer("/settings/management_no/prefix").Set(body, "HS1");
  });
  ASSERT_EQ(rules.status, 422) << rules.body;
  const auto rules_doc = parse(rules.body);
  const std::string interval = expect_error(rules_doc, "schedule.interval_minutes", "out_of_range");
  EXPECT_NE(interval.find("15"), std::string::npos) << interval;
  expect_error(rules_doc, "schedule.time", "invalid_time");
  expect_error(rules_doc, "management_no.prefix", "ends_with_digit");
  EXPECT_EQ(version(id), before);
  EXPECT_EQ(stack().store().get(id)->schedule.interval_minutes, 0);
}

TEST_F(SettingsRoutesTest, PutSettingsWithAStaleVersionIsAConflict) {
  const std::string id = stack().make_tenant();
  const int64_t before = version(id);
  const auto response = put_edited(
      stack().sign_in(id),
      [](rapidjson::Document& body) { Pointer("/settings/amount_sync").Set(body, false); }, -1);
  ASSERT_EQ(response.status, 409) << response.body;
  EXPECT_EQ(error_code(parse(response.body)), "version_conflict");
  EXPECT_EQ(version(id), before);
  EXPECT_TRUE(stack().store().get(id)->amount_sync);
}

TEST_F(SettingsRoutesTest, CredentialsInPutSettingsAreRefusedByField) {
  const std::string id = stack().make_tenant();
  const Browser browser = stack().sign_in(id);
  const int64_t before = version(id);
  const auto response = put_edited(browser, [](rapidjson::Document& body) {
    Pointer("/settings/board/api_key").Set(body, "smuggled-key");
    Pointer("/settings/board/api_token").Set(body, "(not set)");  // clearing is a change too
    Pointer("/settings/hubspot/access_token").Set(body, "smuggled-token");
    Pointer("/settings/amount_sync").Set(body, false);
  });
  ASSERT_EQ(response.status, 422) << response.body;
  const auto doc = parse(response.body);
  expect_error(doc, "board.api_key", "credential_not_editable");
  expect_error(doc, "board.api_token", "credential_not_editable");
  expect_error(doc, "hubspot.access_token", "credential_not_editable");
  EXPECT_TRUE(errors_at(doc, "hubspot.refresh_token").empty()) << "\"(not set)\" and unset";
  EXPECT_EQ(version(id), before);
  const auto saved = stack().store().get(id);
  EXPECT_EQ(saved->board.api_key, stack().tenant(id).board_api_key);
  EXPECT_EQ(saved->board.api_token, stack().tenant(id).board_api_token);
  EXPECT_EQ(saved->hubspot.access_token, stack().tenant(id).hubspot_token);
  EXPECT_TRUE(saved->amount_sync);
}

TEST_F(SettingsRoutesTest, ASessionCanNeitherReadNorChangeAnotherTenant) {
  const std::string a = stack().make_tenant();
  const std::string b = stack().make_tenant();
  const Browser browser = stack().sign_in(a);
  const int64_t b_before = version(b);

  auto refused = [&](const std::string& other) {
    const auto response = put_edited(browser, [&](rapidjson::Document& body) {
      Pointer("/settings/tenant_id").Set(body, other.c_str());
      Pointer("/settings/amount_sync").Set(body, false);
    });
    EXPECT_EQ(response.status, 422) << response.body;
    const auto doc = parse(response.body);
    expect_error(doc, "tenant_id", "tenant_mismatch");
    return to_text(doc);
  };
  // The same answer whether the other tenant exists or not: nothing to probe.
  EXPECT_EQ(refused(b), refused("99999999"));
  EXPECT_EQ(version(b), b_before);
  EXPECT_TRUE(stack().store().get(b)->amount_sync);

  // Everything A reads is A's; everything A writes lands on A.
  const auto got = api(browser, "GET", "/api/v1/settings");
  EXPECT_STREQ(Pointer("/settings/tenant_id").Get(parse(got.body))->GetString(), a.c_str());
  const auto mapping = parse(api(browser, "GET", "/api/v1/stage-mapping").body);
  const auto put = api(browser, "PUT", "/api/v1/stage-mapping",
                       R"({"version":)" + std::to_string(mapping["version"].GetInt64()) +
                           R"(,"stage_mapping":{"default":{"order_5":"closedwon"}}})");
  EXPECT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(api(browser, "POST", "/api/v1/hubspot/pipelines/reload").status, 200);
  EXPECT_EQ(stack().store().get(a)->stage_mapping.pipelines.at("default").size(), 1u);
  EXPECT_EQ(version(b), b_before);
  EXPECT_EQ(stack().store().get(b)->stage_mapping.pipelines.at("default").size(), 8u);
}

TEST_F(SettingsRoutesTest, MalformedBodiesAreRefusedBeforeAnythingHappens) {
  const std::string id = stack().make_tenant();
  const Browser browser = stack().sign_in(id);
  const int64_t before = version(id);
  for (const auto& path :
       {"/api/v1/settings", "/api/v1/stage-mapping", "/api/v1/board/connection"}) {
    const auto response = api(browser, "PUT", path, "{not json");
    EXPECT_EQ(response.status, 400) << path;
    EXPECT_EQ(error_code(parse(response.body)), "bad_json") << path;
  }
  const auto no_version =
      api(browser, "PUT", "/api/v1/stage-mapping", R"({"stage_mapping":{},"extra":1})");
  ASSERT_EQ(no_version.status, 422) << no_version.body;
  const auto doc = parse(no_version.body);
  expect_error(doc, "version", "required");
  expect_error(doc, "extra", "unknown_field");
  const auto no_settings = api(browser, "PUT", "/api/v1/settings", R"({"version":1})");
  ASSERT_EQ(no_settings.status, 422) << no_settings.body;
  expect_error(parse(no_settings.body), "settings", "required");
  EXPECT_EQ(version(id), before);
}

TEST_F(SettingsRoutesTest, WritesNeedTheCsrfToken) {
  const std::string id = stack().make_tenant();
  const int64_t before = version(id);
  const auto response =
      stack().send(stack().sign_in(id), "PUT", "/api/v1/stage-mapping",
                   R"({"version":)" + std::to_string(before) + R"(,"stage_mapping":{}})",
                   /*csrf=*/false);
  expect_contract("PUT", "/api/v1/stage-mapping", response);
  EXPECT_EQ(response.status, 403);
  EXPECT_EQ(version(id), before);
}

}  // namespace
}  // namespace hbsync::admin::settings_test
