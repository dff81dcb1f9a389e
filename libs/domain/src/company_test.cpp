#include "hbsync/domain/company.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace hbsync::domain {
namespace {

constexpr int kPrimary = kDealToPrimaryCompanyTypeId;
constexpr int kPlain = kDealToCompanyTypeId;

struct Case {
  std::string name;
  std::vector<CompanyAssociation> associations;
  std::optional<int64_t> want_id;
  CompanyReason want_reason;
};

// SPEC F3.2 and the seed: プライマリーとして登録している会社; 2社以上紐づけている且つ
// プライマリー設定されていない場合は Record ID が小さい番号の会社;
// 紐づけていない取引は連携されません.
TEST(CompanyResolutionTest, RulesFromSpecAndSeed) {
  const std::vector<Case> cases = {
      {"primary_among_several",
       {{300, {kPlain}}, {200, {kPlain, kPrimary}}, {100, {kPlain}}},
       200,
       CompanyReason::primary},
      {"primary_alone", {{500, {kPrimary, kPlain}}}, 500, CompanyReason::primary},
      {"only_company_not_primary", {{42, {kPlain}}}, 42, CompanyReason::only_company},
      {"two_without_primary_smallest_id",
       {{900, {kPlain}}, {150, {kPlain}}},
       150,
       CompanyReason::smallest_id},
      {"smallest_id_numeric_not_lexical",
       {{9, {kPlain}}, {10, {kPlain}}},
       9,
       CompanyReason::smallest_id},
      {"no_company", {}, std::nullopt, CompanyReason::no_company},
  };
  for (const auto& c : cases) {
    const auto r = resolve_company(c.associations);
    EXPECT_EQ(r.company_id, c.want_id) << c.name;
    EXPECT_EQ(r.reason, c.want_reason) << c.name;
    EXPECT_EQ(r.skipped(), !c.want_id.has_value()) << c.name;
  }
}

TEST(CompanyResolutionTest, EdgeCases) {
  const std::vector<Case> cases = {
      // v3 lists each company twice; still one company.
      {"same_company_listed_twice", {{42, {kPlain}}, {42, {}}}, 42, CompanyReason::only_company},
      // primary flag on a later duplicate entry still counts
      {"primary_on_duplicate_entry",
       {{7, {kPlain}}, {3, {kPlain}}, {7, {kPrimary}}},
       7,
       CompanyReason::primary},
      {"two_primaries_smallest", {{80, {kPrimary}}, {60, {kPrimary}}}, 60, CompanyReason::primary},
      {"unknown_type_ids_ignored", {{5, {999}}, {4, {1}}}, 4, CompanyReason::smallest_id},
      {"invalid_ids_ignored",
       {{0, {kPrimary}}, {-1, {kPlain}}, {77, {kPlain}}},
       77,
       CompanyReason::only_company},
      {"only_invalid_ids", {{0, {kPrimary}}}, std::nullopt, CompanyReason::no_company},
      {"large_ids",
       {{9007199254740993, {kPlain}}, {9007199254740992, {kPlain}}},
       9007199254740992,
       CompanyReason::smallest_id},
  };
  for (const auto& c : cases) {
    const auto r = resolve_company(c.associations);
    EXPECT_EQ(r.company_id, c.want_id) << c.name;
    EXPECT_EQ(r.reason, c.want_reason) << c.name;
  }
}

TEST(CompanyResolutionTest, OrderOfTheListDoesNotMatter) {
  std::vector<CompanyAssociation> a = {{30, {kPlain}}, {10, {kPlain}}, {20, {kPlain}}};
  const auto first = resolve_company(a);
  std::reverse(a.begin(), a.end());
  EXPECT_EQ(resolve_company(a).company_id, first.company_id);
}

TEST(CompanyResolutionTest, ReasonCodesForHistory) {
  EXPECT_EQ(reason_code(CompanyReason::primary), "primary");
  EXPECT_EQ(reason_code(CompanyReason::only_company), "only_company");
  EXPECT_EQ(reason_code(CompanyReason::smallest_id), "smallest_id");
  EXPECT_EQ(reason_code(CompanyReason::no_company), "no_company");
}

}  // namespace
}  // namespace hbsync::domain
