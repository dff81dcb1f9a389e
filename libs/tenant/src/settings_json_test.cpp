// Tenant settings as JSON: round trips, defaults, the README example, redaction
// of secrets, parse errors with their paths, hostile input.
#include "settings_test_support.hpp"

namespace hbsync::tenant {
namespace {

TEST(SettingsTest, ValidSettingsHaveNoErrors) {
  EXPECT_TRUE(validate(valid_settings()).empty()) << dump(validate(valid_settings()));
}

TEST(SettingsJsonTest, RoundTripKeepsEverythingIncludingJapanese) {
  const Settings original = valid_settings();
  const std::string json = to_json(original, Redaction::include);
  EXPECT_NE(json.find("営業パイプライン"), std::string::npos) << "UTF-8 written as is";
  EXPECT_NE(json.find("\"（株）\""), std::string::npos);

  ParseResult parsed = from_json(json);
  ASSERT_TRUE(parsed.ok()) << dump(parsed.errors);
  EXPECT_TRUE(parsed.kept.empty());
  const Settings& s = parsed.settings;
  EXPECT_EQ(to_json(s, Redaction::include), json);
  EXPECT_EQ(to_json(s, Redaction::include, JsonStyle::compact),
            to_json(original, Redaction::include, JsonStyle::compact));

  EXPECT_EQ(s.tenant_id, "12345678");
  EXPECT_EQ(s.board.api_token, kApiToken);
  EXPECT_EQ(s.board.default_user_id, 101);
  EXPECT_EQ(s.hubspot.refresh_token, kRefreshToken);
  EXPECT_EQ(s.hubspot.expires_at_ms, 1767225600000);
  EXPECT_EQ(s.hubspot.user, kUser);
  ASSERT_EQ(s.pipelines.size(), 2u);
  EXPECT_EQ(s.pipelines[0].stages[2].label, "成約");
  EXPECT_EQ(s.stage_mapping, original.stage_mapping);
  EXPECT_EQ(s.company_field_mapping, original.company_field_mapping);
  EXPECT_FALSE(s.amount_sync);
  EXPECT_TRUE(s.keep_customers_updated);
  EXPECT_EQ(s.invoice_date_rule, domain::InvoiceDateRule::current_month_end);
  EXPECT_EQ(s.schedule.time, "04:30");
  EXPECT_EQ(s.schedule.interval_minutes, 30);
}

TEST(SettingsJsonTest, MissingValuesTakeTheDefaults) {
  ParseResult parsed = from_json(R"({"tenant_id": 42})");
  ASSERT_TRUE(parsed.ok()) << dump(parsed.errors);
  const Settings& s = parsed.settings;
  EXPECT_EQ(s.tenant_id, "42");
  EXPECT_TRUE(s.amount_sync);
  EXPECT_FALSE(s.keep_customers_updated);
  EXPECT_EQ(s.invoice_date_rule, domain::InvoiceDateRule::closedate_or_month_end);
  EXPECT_TRUE(s.management_no.enabled);
  EXPECT_EQ(s.management_no.prefix, "HS-");
  EXPECT_EQ(s.schedule.time, "03:00");
  EXPECT_EQ(s.schedule.time_zone, "Asia/Tokyo");
  EXPECT_EQ(s.schedule.interval_minutes, 0);
  EXPECT_EQ(s.board.client_url, "https://the-board.jp/clients/{id}");
  EXPECT_EQ(s.company_field_mapping, domain::CompanyFieldMapping::defaults());
  EXPECT_EQ(parsed.kept.size(), secret_fields().size()) << "every omitted secret is kept";
}

TEST(SettingsJsonTest, ReadmeExampleIsValid) {
  std::ifstream file(HBSYNC_TENANT_README);
  ASSERT_TRUE(file) << HBSYNC_TENANT_README;
  std::stringstream text;
  text << file.rdbuf();
  const std::string readme = text.str();
  const std::string start = "```json\n";
  const size_t begin = readme.find(start);
  ASSERT_NE(begin, std::string::npos);
  const size_t end = readme.find("```", begin + start.size());
  ParseResult parsed = from_json(readme.substr(begin + start.size(), end - begin - start.size()));
  ASSERT_TRUE(parsed.ok()) << dump(parsed.errors);
  EXPECT_TRUE(validate(parsed.settings).empty()) << dump(validate(parsed.settings));
  EXPECT_EQ(parsed.settings.stage_mapping.pipelines.at("default").size(), 8u);
}

TEST(SettingsJsonTest, RowsAcceptIdsCodesAndJapaneseLabels) {
  ParseResult parsed = from_json(R"j({"stage_mapping": {"p": {
      "見積中（高）": "a", "見積中(中)": "b", "3": "c", "order_8": "d",
      "請求済": "e", "入金済": "f", "受注済": null, "失注": ""}}})j");
  ASSERT_TRUE(parsed.ok()) << dump(parsed.errors);
  const auto& rows = parsed.settings.stage_mapping.pipelines.at("p");
  EXPECT_EQ(rows.at(StageRow::order_1), "a");
  EXPECT_EQ(rows.at(StageRow::order_2), "b");
  EXPECT_EQ(rows.at(StageRow::order_3), "c");
  EXPECT_EQ(rows.at(StageRow::order_8), "d");
  EXPECT_EQ(rows.at(StageRow::invoiced), "e");
  EXPECT_EQ(rows.at(StageRow::paid), "f");
  EXPECT_FALSE(rows.contains(StageRow::order_5)) << "null = not mapped";
  EXPECT_FALSE(rows.contains(StageRow::order_9)) << "\"\" = not mapped";
  EXPECT_NE(to_json(parsed.settings, Redaction::mask).find("\"order_1\": \"a\""),
            std::string::npos);
}

TEST(SettingsJsonTest, InvoiceDateRuleAliases) {
  EXPECT_EQ(from_json(R"({"invoice_date_rule": "closedate_else_end_of_month"})")
                .settings.invoice_date_rule,
            domain::InvoiceDateRule::closedate_or_month_end);
  EXPECT_EQ(from_json(R"({"invoice_date_rule": "end_of_month"})").settings.invoice_date_rule,
            domain::InvoiceDateRule::current_month_end);
}

TEST(SettingsRedactionTest, MaskAndOmitNeverShowAnyPartOfASecret) {
  const Settings s = valid_settings();
  const std::vector<std::string> secrets = {kApiKey, kApiToken, kAccessToken, kRefreshToken, kUser};
  for (Redaction redaction : {Redaction::mask, Redaction::omit}) {
    for (JsonStyle style : {JsonStyle::pretty, JsonStyle::compact}) {
      const std::string json = to_json(s, redaction, style);
      for (const auto& secret : secrets) {
        // Every 4-character piece: no prefix, suffix or middle of a secret.
        for (size_t i = 0; i + 4 <= secret.size(); ++i) {
          EXPECT_EQ(json.find(secret.substr(i, 4)), std::string::npos)
              << "\"" << secret.substr(i, 4) << "\" leaked in\n"
              << json;
        }
      }
    }
  }
  const std::string masked = to_json(s, Redaction::mask, JsonStyle::compact);
  EXPECT_NE(masked.find(R"j("api_token":"(set)")j"), std::string::npos) << masked;
  EXPECT_NE(masked.find(R"j("user":"(set)")j"), std::string::npos) << masked;
  EXPECT_NE(masked.find(R"j("expires_at_ms":1767225600000)j"), std::string::npos) << masked;

  Settings unset = s;
  unset.hubspot.refresh_token.clear();
  EXPECT_NE(to_json(unset, Redaction::mask).find(R"j("refresh_token": "(not set)")j"),
            std::string::npos);

  const std::string omitted = to_json(s, Redaction::omit, JsonStyle::compact);
  for (const char* key :
       {"api_key", "api_token", "access_token", "refresh_token", "expires_at_ms", "\"user\""}) {
    EXPECT_EQ(omitted.find(key), std::string::npos) << key;
  }
}

TEST(SettingsRedactionTest, MaskedOutputAppliedAgainKeepsTheSecrets) {
  Settings stored = valid_settings();
  ParseResult parsed = from_json(to_json(stored, Redaction::mask));
  ASSERT_TRUE(parsed.ok()) << dump(parsed.errors);
  EXPECT_EQ(parsed.settings.board.api_token, "");
  EXPECT_EQ(parsed.kept.size(), 5u) << "all but expires_at_ms, which is shown";
  keep_secrets(parsed.settings, parsed.kept, stored);
  EXPECT_EQ(to_json(parsed.settings, Redaction::include), to_json(stored, Redaction::include));
}

TEST(SettingsRedactionTest, NotSetAndNullClear) {
  ParseResult parsed = from_json(
      R"j({"board": {"api_token": "(not set)"}, "hubspot": {"refresh_token": null, "user": ""}})j");
  ASSERT_TRUE(parsed.ok()) << dump(parsed.errors);
  keep_secrets(parsed.settings, parsed.kept, valid_settings());
  EXPECT_EQ(parsed.settings.board.api_token, "");
  EXPECT_EQ(parsed.settings.hubspot.refresh_token, "");
  EXPECT_EQ(parsed.settings.hubspot.user, "");
  EXPECT_EQ(parsed.settings.board.api_key, kApiKey) << "omitted: kept";
  EXPECT_EQ(parsed.settings.hubspot.access_token, kAccessToken);
}

struct ParseCase {
  std::string name;
  std::string json;
  std::string field;
  std::string code;
  std::string says;  // a piece of the message
};

class SettingsParseErrorTest : public ::testing::TestWithParam<ParseCase> {};

TEST_P(SettingsParseErrorTest, ReportsThePath) {
  const ParseCase& c = GetParam();
  ParseResult parsed;
  ASSERT_NO_THROW(parsed = from_json(c.json));
  ASSERT_TRUE(has_error(parsed.errors, c.field, c.code)) << dump(parsed.errors);
  for (const auto& e : parsed.errors) {
    if (e.field == c.field && e.code == c.code) {
      EXPECT_NE(e.message.find(c.says), std::string::npos) << e.message;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, SettingsParseErrorTest,
    ::testing::Values(
        ParseCase{"not_json", "{\"tenant_id\": \"1\",\n  oops}", "(document)", "invalid_json",
                  "line 2, column 3"},
        ParseCase{"trailing_garbage", "{} {}", "(document)", "invalid_json", "not valid JSON"},
        ParseCase{"empty_input", "", "(document)", "invalid_json", "not valid JSON"},
        ParseCase{"invalid_utf8", "{\"tenant_id\": \"\xff\xfe\"}", "(document)", "invalid_json",
                  "encoding"},
        ParseCase{"root_is_array", "[]", "(document)", "wrong_type", "an object"},
        ParseCase{"bool_as_string", R"({"amount_sync": "yes"})", "amount_sync", "wrong_type",
                  "true or false"},
        ParseCase{"user_id_fraction", R"({"board": {"default_user_id": 1.5}})",
                  "board.default_user_id", "wrong_type", "whole number"},
        ParseCase{"token_as_number", R"({"board": {"api_token": 12345}})", "board.api_token",
                  "wrong_type", "a string"},
        ParseCase{"stages_not_array", R"({"pipelines": [{"id": "p", "stages": {}}]})",
                  "pipelines[0].stages", "wrong_type", "an array"},
        ParseCase{"stage_id_number", R"({"pipelines": [{"id": "p", "stages": [{"id": 7}]}]})",
                  "pipelines[0].stages[0].id", "wrong_type", "a string"},
        ParseCase{"unknown_field", R"({"amount_snyc": false})", "amount_snyc", "unknown_field",
                  "amount_sync"},
        ParseCase{"unknown_nested_field", R"({"schedule": {"interval": 15}})", "schedule.interval",
                  "unknown_field", "interval_minutes"},
        ParseCase{"duplicate_key", R"({"amount_sync": true, "amount_sync": false})", "amount_sync",
                  "duplicate_key", "more than once"},
        ParseCase{"unknown_row", R"({"stage_mapping": {"default": {"受注": "closedwon"}}})",
                  "stage_mapping.default.受注", "unknown_row", "order_5 受注済"},
        ParseCase{"row_twice", R"({"stage_mapping": {"p": {"order_5": "a", "受注済": "b"}}})",
                  "stage_mapping.p.受注済", "duplicate_row", "受注済 (order_5)"},
        ParseCase{"row_value_number", R"({"stage_mapping": {"p": {"order_5": 5}}})",
                  "stage_mapping.p.order_5", "wrong_type", "a string"},
        ParseCase{"unknown_client_field",
                  R"({"company_field_mapping": {"fields": {"email": "email"}}})",
                  "company_field_mapping.fields.email", "unknown_client_field", "name_disp"},
        ParseCase{
            "unknown_transform",
            R"({"company_field_mapping": {"fields": {"zip": {"hubspot_property": "zip", "transform": "upper"}}}})",
            "company_field_mapping.fields.zip.transform", "unknown_value", "postal_code"},
        ParseCase{"field_source_number", R"({"company_field_mapping": {"fields": {"tel": 5}}})",
                  "company_field_mapping.fields.tel", "wrong_type", "HubSpot property name"},
        ParseCase{"word_not_string", R"({"company_field_mapping": {"abbreviation_words": [1]}})",
                  "company_field_mapping.abbreviation_words[0]", "wrong_type", "a string"},
        ParseCase{"unknown_invoice_rule", R"({"invoice_date_rule": "someday"})",
                  "invoice_date_rule", "unknown_value", "closedate_or_month_end"},
        ParseCase{"interval_too_big", R"({"schedule": {"interval_minutes": 99999999999}})",
                  "schedule.interval_minutes", "out_of_range", "15"},
        ParseCase{"tenant_id_object", R"({"tenant_id": {}})", "tenant_id", "wrong_type",
                  "portal id"}),
    [](const ::testing::TestParamInfo<ParseCase>& info) { return info.param.name; });

TEST(SettingsJsonTest, UnknownFieldsCanBeIgnoredForStoredData) {
  ParseResult parsed =
      from_json(R"({"tenant_id": "1", "added_later": {"x": 1}})", UnknownFields::ignore);
  EXPECT_TRUE(parsed.ok()) << dump(parsed.errors);
}

TEST(SettingsJsonTest, HostileInputDoesNotCrash) {
  EXPECT_FALSE(from_json(std::string(100000, '[') + std::string(100000, ']')).ok());
  EXPECT_FALSE(from_json(std::string(100000, '[')).ok());
  EXPECT_FALSE(from_json(std::string("{\"tenant_id\": \"1\0\"}", 19)).ok() &&
               validate(from_json(std::string("{\"tenant_id\": \"1\0\"}", 19)).settings).empty());
  for (const char* text :
       {"null", "1", "\"x\"", "{\"board\": null}", "{\"pipelines\": [null]}",
        "{\"stage_mapping\": {\"p\": []}}", "{\"schedule\": {\"time\": null}}"}) {
    ParseResult parsed;
    ASSERT_NO_THROW(parsed = from_json(text)) << text;
    EXPECT_FALSE(parsed.ok()) << text;
  }
}

}  // namespace
}  // namespace hbsync::tenant
