// Reading a tenant's history a page at a time (the admin API's F7 list) and
// counting recent outcomes: pure rules, no I/O (History::page and
// History::count_by_action feed them from Redis).
//
// A page is newest first. Filters are applied while scanning, and a request
// scans at most `max_scan` entries, matching or not: when the budget runs
// out before the page is full, the page ends early and its cursor points
// past the last entry scanned, so the next page goes on from there. Cursors
// are stream ids and a page holds entries strictly older than its cursor,
// so no entry is lost or repeated across pages, whatever the filter.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "hbsync/history/history.hpp"

namespace hbsync::history {

struct Filter {
  std::string direction{};  // "" = any
  std::string action{};     // "" = any
  std::string reason{};     // reason_code; "" = any

  bool empty() const { return direction.empty() && action.empty() && reason.empty(); }
  bool matches(const Entry& entry) const;
};

struct PageQuery {
  Filter filter{};
  std::string before{};  // a stream id: only entries strictly older; "" = from the newest
  size_t limit = 50;
  size_t max_scan = 2000;  // entries looked at per request, matching or not
};

struct Page {
  std::vector<Entry> entries{};
  // The next page's PageQuery::before; "" on the last page.
  std::string next_before{};
};

// Folds entries, offered newest first, into one page.
class PageBuilder {
 public:
  explicit PageBuilder(PageQuery query);

  // Offers the next older entry; false once the page is decided (offer no more).
  bool offer(Entry entry);
  // How many entries to read next, at most (> 0 while offer() wants more).
  size_t wanted() const;
  // The page. `exhausted`: the stream holds nothing older than the entries offered.
  Page finish(bool exhausted) &&;

 private:
  PageQuery query_;
  Page page_;
  size_t scanned_ = 0;
  std::string last_scanned_{};
  bool more_ = false;  // a matching entry beyond the page exists
};

// Counts by action of the entries recorded at or after `since_ms`, offered
// newest first. The stream is in recording order and at_ms is the
// recorder's clock when it recorded, so at_ms falls as the scan goes back,
// give or take the clock skew between services: entries a little older than
// `since_ms` are passed over, and the first one older by more than `skew_ms`
// ends the count.
class ActionTally {
 public:
  ActionTally(int64_t since_ms, int64_t skew_ms);

  // False once an entry ends the count (offer no more).
  bool offer(const Entry& entry);
  const std::map<std::string, int64_t>& counts() const { return counts_; }

 private:
  int64_t since_ms_;
  int64_t skew_ms_;
  std::map<std::string, int64_t> counts_;
};

// "<milliseconds>-<sequence>", both decimal: the only cursors and entry ids
// taken from outside (anything else never reaches Redis).
bool is_stream_id(std::string_view id);

}  // namespace hbsync::history
