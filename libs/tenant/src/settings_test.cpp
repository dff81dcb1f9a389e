#include "hbsync/tenant/settings.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <sstream>

namespace hbsync::tenant {
namespace {

using domain::StageRow;

// Distinctive values, so a leak of any part of them is found by substring.
const std::string kApiKey = "BKEY-7f3Qz9LmWx";
const std::string kApiToken = "BTOK-Hq2Vn8RtYc";
const std::string kAccessToken = "HACC-Jd5Kp1SgUe";
const std::string kRefreshToken = "HREF-Wb6Xo4NiZa";
const std::string kUser = "kanri.tantou@jimusho.test";

Settings valid_settings() {
  Settings s;
  s.tenant_id = "12345678";
  s.board.api_key = kApiKey;
  s.board.api_token = kApiToken;
  s.board.default_user_id = 101;
  s.hubspot.access_token = kAccessToken;
  s.hubspot.refresh_token = kRefreshToken;
  s.hubspot.expires_at_ms = 1767225600000;
  s.hubspot.hub_id = 12345678;
  s.hubspot.hub_domain = "example.co.jp";
  s.hubspot.user = kUser;
  s.hubspot.link_property = "board_client_url";
  s.pipelines = {
      {"default",
       "営業パイプライン",
       {{"appointmentscheduled", "アポ設定済み"},
        {"qualifiedtobuy", "購入見込みあり"},
        {"closedwon", "成約"},
        {"closedlost", "失注"},
        {"invoiced", "請求済み"},
        {"paid", "入金済み"}}},
      {"777", "代理店経由", {{"s1", "見積依頼"}, {"s2", "受注"}}},
  };
  s.stage_mapping.pipelines["default"] = {
      {StageRow::order_1, "appointmentscheduled"},
      {StageRow::order_2, "qualifiedtobuy"},
      {StageRow::order_5, "closedwon"},
      {StageRow::order_9, "closedlost"},
      {StageRow::invoiced, "invoiced"},
      {StageRow::paid, "paid"},
  };
  s.stage_mapping.pipelines["777"] = {{StageRow::order_1, "s1"}, {StageRow::order_5, "s2"}};
  s.company_field_mapping.abbreviation_words = {"株式会社", "合同会社", "有限会社", "（株）"};
  s.amount_sync = false;
  s.keep_customers_updated = true;
  s.invoice_date_rule = domain::InvoiceDateRule::current_month_end;
  s.management_no = {true, "HS-"};
  s.schedule = {"04:30", "Asia/Tokyo", 30};
  return s;
}

bool has_error(const ValidationErrors& errors, const std::string& field, const std::string& code) {
  for (const auto& e : errors) {
    if (e.field == field && e.code == code) return true;
  }
  return false;
}

std::string dump(const ValidationErrors& errors) {
  std::ostringstream out;
  for (const auto& e : errors) out << "  " << e << "\n";
  return out.str();
}

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

// ---- validation table: each rule a named case ----

struct RuleCase {
  std::string name;
  std::function<void(Settings&)> change;
  std::string field;
  std::string code;
  std::vector<std::string> says;  // pieces of the message
};

class SettingsValidationTest : public ::testing::TestWithParam<RuleCase> {};

TEST_P(SettingsValidationTest, NamesTheFieldAndWhatIsWrong) {
  const RuleCase& c = GetParam();
  Settings s = valid_settings();
  c.change(s);
  const ValidationErrors errors = validate(s);
  ASSERT_TRUE(has_error(errors, c.field, c.code)) << dump(errors);
  for (const auto& e : errors) {
    if (e.field != c.field || e.code != c.code) continue;
    for (const auto& piece : c.says) {
      EXPECT_NE(e.message.find(piece), std::string::npos)
          << "\"" << piece << "\" not in " << e.message;
    }
    for (const std::string& secret : {kApiKey, kApiToken, kAccessToken, kRefreshToken}) {
      EXPECT_EQ(e.message.find(secret.substr(0, 8)), std::string::npos) << e.message;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Rules, SettingsValidationTest,
    ::testing::Values(
        RuleCase{"tenant_id_required", [](Settings& s) { s.tenant_id.clear(); }, "tenant_id",
                 "required", {"portal id"}},
        RuleCase{"tenant_id_not_numeric", [](Settings& s) { s.tenant_id = "acme"; }, "tenant_id",
                 "invalid_tenant_id", {"\"acme\"", "digits only"}},
        RuleCase{"tenant_id_leading_zero", [](Settings& s) { s.tenant_id = "012345678"; },
                 "tenant_id", "invalid_tenant_id", {"leading zero"}},
        RuleCase{"tenant_id_too_long",
                 [](Settings& s) { s.tenant_id = "99999999999999999999"; }, "tenant_id",
                 "invalid_tenant_id", {"19 digits"}},
        RuleCase{"board_api_key_required", [](Settings& s) { s.board.api_key.clear(); },
                 "board.api_key", "required", {"board API key"}},
        RuleCase{"board_api_token_required", [](Settings& s) { s.board.api_token.clear(); },
                 "board.api_token", "required", {"board API token"}},
        RuleCase{"board_api_token_with_newline",
                 [](Settings& s) { s.board.api_token = kApiToken + "\n"; }, "board.api_token",
                 "invalid_credential", {"line breaks"}},
        RuleCase{"board_api_key_full_width",
                 [](Settings& s) { s.board.api_key = "ＡＢＣ"; }, "board.api_key",
                 "invalid_credential", {"non-ASCII"}},
        RuleCase{"hubspot_token_with_space",
                 [](Settings& s) { s.hubspot.access_token = "Bearer " + kAccessToken; },
                 "hubspot.access_token", "invalid_credential", {"spaces"}},
        RuleCase{"default_user_required", [](Settings& s) { s.board.default_user_id.reset(); },
                 "board.default_user_id", "required", {"既定の担当者"}},
        RuleCase{"default_user_not_positive", [](Settings& s) { s.board.default_user_id = 0; },
                 "board.default_user_id", "invalid", {"0"}},
        RuleCase{"client_url_without_placeholder",
                 [](Settings& s) { s.board.client_url = "https://the-board.jp/clients/"; },
                 "board.client_url", "invalid_url", {"{id}"}},
        RuleCase{"client_url_placeholder_twice",
                 [](Settings& s) { s.board.client_url = "https://x/{id}/{id}"; },
                 "board.client_url", "invalid_url", {"exactly once"}},
        RuleCase{"client_url_not_http",
                 [](Settings& s) { s.board.client_url = "javascript:alert({id})"; },
                 "board.client_url", "invalid_url", {"https://"}},
        RuleCase{"client_url_no_host", [](Settings& s) { s.board.client_url = "https:///{id}"; },
                 "board.client_url", "invalid_url", {"host"}},
        RuleCase{"client_url_empty", [](Settings& s) { s.board.client_url.clear(); },
                 "board.client_url", "required", {"the-board.jp"}},
        RuleCase{"hub_id_of_another_portal", [](Settings& s) { s.hubspot.hub_id = 999; },
                 "hubspot.hub_id", "hub_id_mismatch", {"999", "12345678"}},
        RuleCase{"hub_id_negative", [](Settings& s) { s.hubspot.hub_id = -1; }, "hubspot.hub_id",
                 "invalid_hub_id", {"positive"}},
        RuleCase{"hub_domain_control_chars",
                 [](Settings& s) { s.hubspot.hub_domain = "example\r\n.com"; },
                 "hubspot.hub_domain", "invalid_text", {"control"}},
        RuleCase{"expires_at_negative", [](Settings& s) { s.hubspot.expires_at_ms = -5; },
                 "hubspot.expires_at_ms", "out_of_range", {"epoch milliseconds"}},
        RuleCase{"link_property_uppercase",
                 [](Settings& s) { s.hubspot.link_property = "Board_URL"; },
                 "hubspot.link_property", "invalid_property_name", {"\"Board_URL\"", "lowercase"}},
        RuleCase{"link_property_japanese",
                 [](Settings& s) { s.hubspot.link_property = "boardのURL"; },
                 "hubspot.link_property", "invalid_property_name", {"lowercase"}},
        RuleCase{"link_property_hubspot_defined",
                 [](Settings& s) { s.hubspot.link_property = "hs_object_id"; },
                 "hubspot.link_property", "reserved_property_name", {"hs_"}},
        RuleCase{"link_property_is_a_mapped_source",
                 [](Settings& s) { s.hubspot.link_property = "phone"; }, "hubspot.link_property",
                 "link_property_in_use", {"電話番号", "tel", "overwrite"}},
        RuleCase{"pipeline_listed_twice",
                 [](Settings& s) { s.pipelines.push_back(s.pipelines[1]); }, "pipelines[2].id",
                 "duplicate_pipeline", {"\"777\"", "pipelines[1]"}},
        RuleCase{"pipeline_id_empty",
                 [](Settings& s) { s.pipelines.push_back({"", "x", {}}); }, "pipelines[2].id",
                 "required", {"empty"}},
        RuleCase{"stage_listed_twice",
                 [](Settings& s) { s.pipelines[1].stages.push_back({"s1", "again"}); },
                 "pipelines[1].stages[2].id", "duplicate_stage_id", {"\"s1\"", "\"777\""}},
        RuleCase{"stage_used_for_two_rows",
                 [](Settings& s) {
                   s.stage_mapping.pipelines["default"][StageRow::order_9] = "closedwon";
                 },
                 "stage_mapping.default.order_9", "duplicate_stage",
                 {"受注済 (order_5)", "失注 (order_9)", "closedwon"}},
        RuleCase{"stage_not_in_pipeline",
                 [](Settings& s) { s.stage_mapping.pipelines["777"][StageRow::order_9] = "zzz"; },
                 "stage_mapping.777.order_9", "unknown_stage", {"zzz"}},
        RuleCase{"stage_of_another_pipeline",
                 [](Settings& s) {
                   s.stage_mapping.pipelines["777"][StageRow::order_9] = "closedlost";
                 },
                 "stage_mapping.777.order_9", "unknown_stage", {"closedlost"}},
        RuleCase{"pipeline_not_known",
                 [](Settings& s) { s.stage_mapping.pipelines["ghost"][StageRow::order_1] = "a"; },
                 "stage_mapping.ghost", "unknown_pipeline", {"ghost"}},
        RuleCase{"mapping_without_loaded_pipelines", [](Settings& s) { s.pipelines.clear(); },
                 "stage_mapping.default", "unknown_pipeline", {"default"}},
        RuleCase{"name_not_mapped",
                 [](Settings& s) {
                   s.company_field_mapping.fields.erase(domain::ClientField::name);
                 },
                 "company_field_mapping.fields.name", "required", {"顧客名"}},
        RuleCase{"field_property_bad_name",
                 [](Settings& s) {
                   s.company_field_mapping.fields[domain::ClientField::tel].hubspot_property =
                       "phone number";
                 },
                 "company_field_mapping.fields.tel.hubspot_property", "invalid_property_name",
                 {"phone number"}},
        RuleCase{"abbreviation_word_empty",
                 [](Settings& s) { s.company_field_mapping.abbreviation_words.push_back("　"); },
                 "company_field_mapping.abbreviation_words[4]", "empty", {"株式会社"}},
        RuleCase{"management_no_prefix_empty", [](Settings& s) { s.management_no.prefix = ""; },
                 "management_no.prefix", "required", {"HS-"}},
        RuleCase{"schedule_time_invalid", [](Settings& s) { s.schedule.time = "25:00"; },
                 "schedule.time", "invalid_time", {"25:00"}},
        RuleCase{"schedule_zone_with_dst",
                 [](Settings& s) { s.schedule.time_zone = "Europe/Berlin"; }, "schedule.time_zone",
                 "unsupported_time_zone", {"Europe/Berlin"}},
        RuleCase{"interval_below_budget_minimum",
                 [](Settings& s) { s.schedule.interval_minutes = 5; },
                 "schedule.interval_minutes", "out_of_range", {"15", "3,000", "not 5"}},
        RuleCase{"interval_negative", [](Settings& s) { s.schedule.interval_minutes = -15; },
                 "schedule.interval_minutes", "out_of_range", {"0 (off)"}},
        RuleCase{"interval_over_a_day", [](Settings& s) { s.schedule.interval_minutes = 1441; },
                 "schedule.interval_minutes", "out_of_range", {"1440"}}),
    [](const ::testing::TestParamInfo<RuleCase>& info) { return info.param.name; });

TEST(SettingsValidationTest, AllProblemsAreReportedAtOnce) {
  Settings s = valid_settings();
  s.tenant_id.clear();
  s.board.api_token.clear();
  s.schedule.time = "3時";
  s.stage_mapping.pipelines["default"][StageRow::order_9] = "closedwon";
  const ValidationErrors errors = validate(s);
  EXPECT_TRUE(has_error(errors, "tenant_id", "required"));
  EXPECT_TRUE(has_error(errors, "board.api_token", "required"));
  EXPECT_TRUE(has_error(errors, "schedule.time", "invalid_time"));
  EXPECT_TRUE(has_error(errors, "stage_mapping.default.order_9", "duplicate_stage"));
}

TEST(SettingsValidationTest, PrivateAppTokenAndNoHubSpotAreFine) {
  Settings s = valid_settings();
  s.hubspot.refresh_token.clear();
  s.hubspot.expires_at_ms = 0;
  EXPECT_TRUE(validate(s).empty()) << dump(validate(s));
  s.hubspot = HubSpotConnection{};
  EXPECT_TRUE(validate(s).empty()) << dump(validate(s));
}

// F4.1: the shortest interval allowed on save fits the board budget. An
// incremental poll with nothing changed costs 2 requests (the projects and
// invoices list pages); at the minimum interval that must stay within 10 % of
// board's 3,000 requests a day, which the real-time HubSpot -> board traffic
// shares. One minute less would not be accepted.
TEST(SettingsValidationTest, ShortestIntervalFitsTheBoardBudget) {
  constexpr int kRequestsPerQuietPoll = 2;
  constexpr int kDailyBudget = 3000;
  constexpr int polls_per_day = 24 * 60 / kMinPollIntervalMinutes;
  EXPECT_LE(polls_per_day * kRequestsPerQuietPoll, kDailyBudget / 10);
  Settings s = valid_settings();
  s.schedule.interval_minutes = kMinPollIntervalMinutes;
  EXPECT_TRUE(validate(s).empty()) << dump(validate(s));
  s.schedule.interval_minutes = kMinPollIntervalMinutes - 1;
  EXPECT_TRUE(has_error(validate(s), "schedule.interval_minutes", "out_of_range"));
}

TEST(SecretFieldTest, PathsRoundTrip) {
  for (auto field : secret_fields()) EXPECT_EQ(parse_secret_field(path(field)), field);
  EXPECT_FALSE(parse_secret_field("board.default_user_id"));
  Settings s;
  set_secret_value(s, SecretField::hubspot_expires_at_ms, "123");
  EXPECT_EQ(s.hubspot.expires_at_ms, 123);
  EXPECT_EQ(secret_value(s, SecretField::hubspot_expires_at_ms), "123");
  EXPECT_THROW(set_secret_value(s, SecretField::hubspot_expires_at_ms, "12x"),
               std::invalid_argument);
}

}  // namespace
}  // namespace hbsync::tenant
