// Which HubSpot company a deal is synced with (SPEC F3.2; seed: プライマリー
// として登録している会社, else the smallest Record ID).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace hbsync::domain {

// HubSpot-defined v4 association type ids (deal -> company). Rely on ids, not
// labels: HubSpot renamed the labels in 2024.
inline constexpr int kDealToCompanyTypeId = 341;
inline constexpr int kDealToPrimaryCompanyTypeId = 5;

// One entry of GET /crm/v4/objects/deals/{id}/associations/companies.
struct CompanyAssociation {
  int64_t company_id = 0;
  std::vector<int> type_ids;
};

enum class CompanyReason {
  primary,       // the association with type 5
  only_company,  // exactly one company, not marked primary
  smallest_id,   // several companies, none primary: the smallest record id
  no_company,    // nothing to sync with: the deal is skipped
};

// The history reason code: "primary", "only_company", "smallest_id",
// "no_company".
std::string_view reason_code(CompanyReason reason);

struct CompanyResolution {
  std::optional<int64_t> company_id;  // empty exactly when reason is no_company
  CompanyReason reason = CompanyReason::no_company;

  bool skipped() const { return !company_id.has_value(); }
};

// The same company may be listed more than once (v3 lists each as
// deal_to_company and deal_to_company_unlabeled; pages may overlap): entries
// are merged by id first. Ids <= 0 are not HubSpot record ids and are ignored.
// Should HubSpot ever report two primaries, the smallest of them wins, so
// the choice never depends on list order.
CompanyResolution resolve_company(std::span<const CompanyAssociation> associations);

}  // namespace hbsync::domain
