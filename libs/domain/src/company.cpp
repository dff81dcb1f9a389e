#include "hbsync/domain/company.hpp"

#include <algorithm>
#include <map>

namespace hbsync::domain {

std::string_view reason_code(CompanyReason reason) {
  switch (reason) {
    case CompanyReason::primary:
      return "primary";
    case CompanyReason::only_company:
      return "only_company";
    case CompanyReason::smallest_id:
      return "smallest_id";
    case CompanyReason::no_company:
      return "no_company";
  }
  return "no_company";
}

CompanyResolution resolve_company(std::span<const CompanyAssociation> associations) {
  // id -> is primary; ordered, so the first entry is the smallest id.
  std::map<int64_t, bool> companies;
  for (const auto& a : associations) {
    if (a.company_id <= 0) continue;
    const bool primary = std::find(a.type_ids.begin(), a.type_ids.end(),
                                   kDealToPrimaryCompanyTypeId) != a.type_ids.end();
    companies[a.company_id] |= primary;
  }
  if (companies.empty()) return {std::nullopt, CompanyReason::no_company};
  for (const auto& [id, primary] : companies) {
    if (primary) return {id, CompanyReason::primary};
  }
  const int64_t smallest = companies.begin()->first;
  return {smallest,
          companies.size() == 1 ? CompanyReason::only_company : CompanyReason::smallest_id};
}

}  // namespace hbsync::domain
