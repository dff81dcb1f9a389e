// The sync history in the console (SPEC F7): a page of entries, newest
// first, filtered by direction, action and reason (libs/history page.hpp),
// and the counts by action over the last 24 hours.
#pragma once

#include <optional>
#include <string>
#include <variant>

#include "api.hpp"
#include "hbsync/history/page.hpp"

namespace hbsync::admin::activity {

inline constexpr size_t kDefaultPageSize = 50;
inline constexpr size_t kMaxPageSize = 200;
// Entries looked at per page request, matching the filter or not.
inline constexpr size_t kMaxScan = 2000;

// A parameter the request got wrong.
struct BadParameter {
  std::string name;
  std::string message;  // Japanese, for the console
};

// The page the query string asks for (direction, action, reason, before,
// limit), or what is wrong with it.
std::variant<history::PageQuery, BadParameter> page_query(const http::Request& request);

// GET /api/v1/history and GET /api/v1/history/summary.
http::Response get_history(Services& services, const Call& call);
http::Response get_history_summary(Services& services, const Call& call);

}  // namespace hbsync::admin::activity
