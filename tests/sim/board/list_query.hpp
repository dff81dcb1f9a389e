// Query strings of board's list routes (Ransack-style predicates) turned
// into store filters and paging. Repeated keys: only the first value counts;
// blank values are ignored, as Ransack ignores them.
#pragma once

#include <cstdint>
#include <vector>

#include "hbsync/http/url.hpp"
#include "outcome.hpp"
#include "store.hpp"

namespace hbsync::simboard {

inline constexpr int64_t kDefaultPerPage = 20;
inline constexpr int64_t kMaxPerPage = 100;

struct Paging {
  int64_t page = 1;
  int64_t per_page = kDefaultPerPage;
};

Outcome<Paging> parse_paging(const http::QueryParams& query);
Outcome<UserFilter> parse_user_filter(const http::QueryParams& query);
Outcome<ClientFilter> parse_client_filter(const http::QueryParams& query);
Outcome<ProjectFilter> parse_project_filter(const http::QueryParams& query);
Outcome<InvoiceFilter> parse_invoice_filter(const http::QueryParams& query);

template <class T>
std::vector<const T*> page_of(const std::vector<const T*>& all, const Paging& paging) {
  std::vector<const T*> out;
  auto first = static_cast<uint64_t>(paging.page - 1) * static_cast<uint64_t>(paging.per_page);
  for (uint64_t i = first; i < all.size() && out.size() < static_cast<size_t>(paging.per_page);
       ++i) {
    out.push_back(all[i]);
  }
  return out;
}

}  // namespace hbsync::simboard
