#include "hbsync/domain/client_mapping.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hbsync::domain {
namespace {

using Fields = std::map<ClientField, std::string>;

PropertyMap full_company() {
  return {
      {"name", "株式会社テスト"},    {"zip", "1500001"},
      {"phone", "03-1234-5678"},     {"state", "東京都"},
      {"city", "渋谷区神宮前1-2-3"}, {"domain", "example.jp"},
      {"address", "テストビル5F"},
  };
}

// SPEC F3.3 / seed FAQ: 名前→顧客名, 名前→顧客略称 (株式会社 etc. removed),
// 郵便番号→郵便番号, 電話番号→電話番号, 都道府県/地域→都道府県, 市町村→住所.
TEST(CompanyToClientTest, DefaultMappingFromSeedFaq) {
  const auto result = map_company_to_client(full_company(), CompanyFieldMapping::defaults());
  EXPECT_EQ(result.status, MappingStatus::ok);
  EXPECT_EQ(result.fields, (Fields{
                               {ClientField::name, "株式会社テスト"},
                               {ClientField::name_disp, "テスト"},
                               {ClientField::zip, "150-0001"},
                               {ClientField::tel, "03-1234-5678"},
                               {ClientField::pref, "東京都"},
                               {ClientField::address1, "渋谷区神宮前1-2-3"},
                           }));
}

TEST(CompanyToClientTest, DefaultMappingRequestsTheSixSourceProperties) {
  EXPECT_EQ(CompanyFieldMapping::defaults().hubspot_properties(),
            (std::vector<std::string>{"city", "name", "phone", "state", "zip"}));
}

TEST(CompanyToClientTest, AbsentNullAndBlankValuesAreNotSent) {
  const PropertyMap company = {
      {"name", "テスト合同会社"},
      {"zip", std::nullopt},
      {"phone", ""},
      {"state", " \u3000"},
  };
  const auto result = map_company_to_client(company, CompanyFieldMapping::defaults());
  EXPECT_EQ(result.status, MappingStatus::ok);
  EXPECT_EQ(result.fields,
            (Fields{{ClientField::name, "テスト合同会社"}, {ClientField::name_disp, "テスト"}}));
}

// board requires name and name_disp: no client is produced without a name.
TEST(CompanyToClientTest, MissingNameIsReportedNotSent) {
  const std::vector<std::pair<std::string, PropertyMap>> cases = {
      {"absent", {{"zip", "1500001"}}},
      {"null", {{"name", std::nullopt}, {"phone", "03"}}},
      {"empty", {{"name", ""}}},
      {"spaces", {{"name", " \u3000 "}}},
  };
  for (const auto& [label, company] : cases) {
    const auto result = map_company_to_client(company, CompanyFieldMapping::defaults());
    EXPECT_EQ(result.status, MappingStatus::missing_name) << label;
    EXPECT_TRUE(result.fields.empty()) << label;
    EXPECT_EQ(reason_code(result.status), "missing_company_name");
  }
}

// The name is sent as HubSpot has it so exact-name linking (F3.3) compares
// like with like; only the abbreviation is trimmed.
TEST(CompanyToClientTest, NameIsNotTrimmedButAbbreviationIs) {
  const auto result =
      map_company_to_client({{"name", " 株式会社テスト "}}, CompanyFieldMapping::defaults());
  EXPECT_EQ(result.fields.at(ClientField::name), " 株式会社テスト ");
  EXPECT_EQ(result.fields.at(ClientField::name_disp), "テスト");
}

TEST(CompanyToClientTest, NameOnlyLegalFormKeepsFullNameAsAbbreviation) {
  const auto result =
      map_company_to_client({{"name", "株式会社"}}, CompanyFieldMapping::defaults());
  EXPECT_EQ(result.fields.at(ClientField::name_disp), "株式会社");
}

TEST(CompanyToClientTest, InvalidUtf8IsSanitized) {
  const auto result =
      map_company_to_client({{"name", "株式会社\xFFZ"}}, CompanyFieldMapping::defaults());
  EXPECT_EQ(result.fields.at(ClientField::name), "株式会社\uFFFDZ");
  EXPECT_EQ(result.fields.at(ClientField::name_disp), "\uFFFDZ");
}

TEST(CompanyToClientTest, PostalCodeTransform) {
  struct Case {
    std::string in, want;
  };
  const std::vector<Case> cases = {
      {"1500001", "150-0001"},
      {"150-0001", "150-0001"},
      {"150 0001", "150 0001"},
      {"15000012", "15000012"},
      {"１５００００１", "１５００００１"},
      {"SW1A 1AA", "SW1A 1AA"},
  };
  for (const auto& c : cases) {
    const auto result =
        map_company_to_client({{"name", "X"}, {"zip", c.in}}, CompanyFieldMapping::defaults());
    EXPECT_EQ(result.fields.at(ClientField::zip), c.want) << c.in;
  }
}

// F6.2: which HubSpot property feeds each board field is editable.
TEST(CompanyToClientTest, EditedMappingAndWordList) {
  CompanyFieldMapping m = CompanyFieldMapping::defaults();
  m.fields[ClientField::name_disp] = {"short_name", FieldTransform::none};
  m.fields[ClientField::address1] = {"address", FieldTransform::none};
  m.fields[ClientField::fax] = {"fax_number", FieldTransform::none};
  m.fields.erase(ClientField::tel);
  m.abbreviation_words = {"Inc."};
  const PropertyMap company = {{"name", "Test Inc."},     {"short_name", "テスト"},
                               {"address", "港区1-1"},    {"city", "港区"},
                               {"phone", "03-0000-0000"}, {"fax_number", "03-1111-1111"}};
  const auto result = map_company_to_client(company, m);
  EXPECT_EQ(result.status, MappingStatus::ok);
  EXPECT_EQ(result.fields, (Fields{{ClientField::name, "Test Inc."},
                                   {ClientField::name_disp, "テスト"},
                                   {ClientField::address1, "港区1-1"},
                                   {ClientField::fax, "03-1111-1111"}}));
}

// Decision: name_disp whose own source is empty falls back to the abbreviated
// name, because board rejects a client without it.
TEST(CompanyToClientTest, EmptyNameDispSourceFallsBackToAbbreviatedName) {
  CompanyFieldMapping m = CompanyFieldMapping::defaults();
  m.fields[ClientField::name_disp] = {"short_name", FieldTransform::none};
  const auto result = map_company_to_client({{"name", "有限会社テスト"}}, m);
  EXPECT_EQ(result.fields.at(ClientField::name_disp), "テスト");
}

// F5: board client -> HubSpot company, the reverse of the default mapping.
TEST(ClientToCompanyTest, ReverseOfDefaultMapping) {
  const ClientValues client = {
      {ClientField::name, "株式会社テスト"}, {ClientField::name_disp, "テスト"},
      {ClientField::zip, "150-0001"},        {ClientField::tel, "03-1234-5678"},
      {ClientField::pref, "東京都"},         {ClientField::address1, "渋谷区"},
      {ClientField::address2, "ビル"},       {ClientField::fax, std::nullopt},
  };
  const auto result = map_client_to_company(client, CompanyFieldMapping::defaults());
  EXPECT_EQ(result.status, MappingStatus::ok);
  EXPECT_EQ(result.properties, (std::map<std::string, std::string>{
                                   {"name", "株式会社テスト"},
                                   {"zip", "150-0001"},
                                   {"phone", "03-1234-5678"},
                                   {"state", "東京都"},
                                   {"city", "渋谷区"},
                               }));
}

TEST(ClientToCompanyTest, MissingNameIsReported) {
  for (const ClientValues& client :
       {ClientValues{{ClientField::name_disp, "テスト"}},
        ClientValues{{ClientField::name, std::nullopt}}, ClientValues{{ClientField::name, "  "}}}) {
    const auto result = map_client_to_company(client, CompanyFieldMapping::defaults());
    EXPECT_EQ(result.status, MappingStatus::missing_name);
    EXPECT_TRUE(result.properties.empty());
  }
}

TEST(ClientToCompanyTest, NonDerivedNameDispIsWrittenBack) {
  CompanyFieldMapping m = CompanyFieldMapping::defaults();
  m.fields[ClientField::name_disp] = {"short_name", FieldTransform::none};
  const auto result = map_client_to_company(
      {{ClientField::name, "株式会社テスト"}, {ClientField::name_disp, "テスト"}}, m);
  EXPECT_EQ(result.properties.at("short_name"), "テスト");
  EXPECT_EQ(result.properties.at("name"), "株式会社テスト");
}

TEST(ClientToCompanyTest, TwoFieldsOnOnePropertyTheEarlierFieldWins) {
  CompanyFieldMapping m = CompanyFieldMapping::defaults();
  m.fields[ClientField::address2] = {"city", FieldTransform::none};
  const auto result = map_client_to_company({{ClientField::name, "X"},
                                             {ClientField::address1, "渋谷区"},
                                             {ClientField::address2, "ビル"}},
                                            m);
  EXPECT_EQ(result.properties.at("city"), "渋谷区");
}

TEST(ClientFieldTest, IdsAndLabels) {
  struct Row {
    ClientField f;
    std::string_view id, label;
  };
  const std::vector<Row> rows = {
      {ClientField::name, "name", "顧客名"},
      {ClientField::name_disp, "name_disp", "顧客略称"},
      {ClientField::zip, "zip", "郵便番号"},
      {ClientField::pref, "pref", "都道府県"},
      {ClientField::address1, "address1", "住所(市区町村・番地)"},
      {ClientField::address2, "address2", "住所(建物名)"},
      {ClientField::tel, "tel", "電話番号"},
      {ClientField::fax, "fax", "FAX番号"},
  };
  ASSERT_EQ(client_fields().size(), rows.size());
  for (const auto& r : rows) {
    EXPECT_EQ(field_id(r.f), r.id);
    EXPECT_EQ(label(r.f), r.label);
    EXPECT_EQ(parse_client_field(r.id), r.f);
  }
  EXPECT_FALSE(parse_client_field("phone"));
  EXPECT_EQ(parse_field_transform("abbreviate"), FieldTransform::abbreviate);
  EXPECT_EQ(parse_field_transform("postal_code"), FieldTransform::postal_code);
  EXPECT_EQ(parse_field_transform("none"), FieldTransform::none);
  EXPECT_FALSE(parse_field_transform("upper"));
}

TEST(CompanyFieldMappingValidationTest, DefaultsAreValid) {
  EXPECT_TRUE(validate_company_field_mapping(CompanyFieldMapping::defaults()).empty());
  const std::vector<std::string> known = {"name", "zip", "phone", "state", "city", "address"};
  EXPECT_TRUE(validate_company_field_mapping(CompanyFieldMapping::defaults(), known).empty());
}

TEST(CompanyFieldMappingValidationTest, ReportsEveryProblem) {
  CompanyFieldMapping m = CompanyFieldMapping::defaults();
  m.fields.erase(ClientField::name);
  m.fields[ClientField::tel] = {"", FieldTransform::none};
  m.fields[ClientField::pref] = {"state region", FieldTransform::none};
  m.fields[ClientField::fax] = {"fax", FieldTransform::abbreviate};
  m.abbreviation_words = {"株式会社", ""};
  const std::vector<std::string> known = {"name", "zip", "phone", "state", "city"};
  const auto errors = validate_company_field_mapping(m, known);
  std::vector<std::pair<std::string, std::string>> got;
  for (const auto& e : errors) got.emplace_back(e.field, e.code);
  EXPECT_EQ(got,
            (std::vector<std::pair<std::string, std::string>>{
                {"company_field_mapping.fields.name", "required"},
                {"company_field_mapping.fields.pref.hubspot_property", "invalid_property_name"},
                {"company_field_mapping.fields.tel.hubspot_property", "empty"},
                {"company_field_mapping.fields.fax.transform", "transform_not_allowed"},
                {"company_field_mapping.fields.fax.hubspot_property", "unknown_property"},
                {"company_field_mapping.abbreviation_words[1]", "empty"},
            }));
}

TEST(CompanyFieldMappingValidationTest, NameDispMustBeMappedAndTransformsStayInPlace) {
  CompanyFieldMapping m = CompanyFieldMapping::defaults();
  m.fields.erase(ClientField::name_disp);
  m.fields[ClientField::name] = {"name", FieldTransform::abbreviate};
  m.fields[ClientField::tel] = {"phone", FieldTransform::postal_code};
  const auto errors = validate_company_field_mapping(m, "settings.company");
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0].field, "settings.company.fields.name_disp");
  EXPECT_EQ(errors[0].code, "required");
  EXPECT_NE(errors[0].message.find("顧客略称"), std::string::npos);
  EXPECT_EQ(errors[1].field, "settings.company.fields.name.transform");
  EXPECT_EQ(errors[2].field, "settings.company.fields.tel.transform");
}

}  // namespace
}  // namespace hbsync::domain
