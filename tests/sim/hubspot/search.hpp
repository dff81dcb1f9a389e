// POST /crm/v3/objects/{type}/search: request rules and filter evaluation.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "portal.hpp"

namespace hbsync::sim_hubspot {

struct SearchFilter {
  std::string property;
  std::string op;  // EQ, NEQ, LT, LTE, GT, GTE, BETWEEN, IN, NOT_IN, HAS_PROPERTY, ...
  std::string value;
  std::string high_value;
  std::vector<std::string> values;
};

struct SearchRequest {
  std::vector<std::vector<SearchFilter>> groups;  // OR of ANDs
  std::vector<std::string> properties;            // empty: the default set
  int limit = 10;
  int64_t after = 0;
  std::string query;
  std::string sort_property;  // empty: by id
  bool descending = false;
};

// HubSpot's documented limits: limit <= 200, 5 filter groups, 6 filters per
// group, 18 filters in all, paging no deeper than 10,000 results.
inline constexpr int kSearchMaxLimit = 200;
inline constexpr int kSearchMaxGroups = 5;
inline constexpr int kSearchMaxFiltersPerGroup = 6;
inline constexpr int kSearchMaxFilters = 18;
inline constexpr int64_t kSearchMaxDepth = 10000;

// Throws ApiError (400) on any rule broken.
SearchRequest parse_search(const Portal& portal, ObjectKind kind, const rapidjson::Value& body);

bool matches(const Portal& portal, ObjectKind kind, const CrmObject& object,
             const SearchFilter& filter);

struct SearchResult {
  int64_t total = 0;
  std::vector<CrmObject> page;
  std::optional<int64_t> next_after;
};

SearchResult run_search(const Portal& portal, ObjectKind kind, const SearchRequest& request,
                        int64_t now_ms);

}  // namespace hbsync::sim_hubspot
