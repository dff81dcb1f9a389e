#include "hbsync/history/page.hpp"

#include <algorithm>

namespace hbsync::history {

bool Filter::matches(const Entry& e) const {
  return (direction.empty() || e.direction == direction) &&
         (action.empty() || e.action == action) && (reason.empty() || e.reason_code == reason);
}

PageBuilder::PageBuilder(PageQuery query) : query_(std::move(query)) {
  query_.limit = std::max<size_t>(query_.limit, 1);
  query_.max_scan = std::max<size_t>(query_.max_scan, 1);
}

bool PageBuilder::offer(Entry entry) {
  ++scanned_;
  last_scanned_ = entry.id;
  if (query_.filter.matches(entry)) {
    if (page_.entries.size() == query_.limit) {
      more_ = true;  // the page is full and the next one is not empty
      return false;
    }
    page_.entries.push_back(std::move(entry));
  }
  return scanned_ < query_.max_scan;
}

size_t PageBuilder::wanted() const {
  if (more_ || scanned_ >= query_.max_scan) return 0;
  // One beyond the page tells whether a next page exists; with a filter,
  // read in bigger steps (most entries may not match).
  const size_t needed = query_.limit + 1 - page_.entries.size();
  const size_t step = query_.filter.empty() ? needed : std::max<size_t>(needed, 200);
  return std::min(step, query_.max_scan - scanned_);
}

Page PageBuilder::finish(bool exhausted) && {
  if (more_) {
    page_.next_before = page_.entries.back().id;
  } else if (!exhausted && scanned_ > 0) {
    // The scan budget ran out: the next page goes on after the last entry
    // looked at (those in between did not match).
    page_.next_before = last_scanned_;
  }
  return std::move(page_);
}

ActionTally::ActionTally(int64_t since_ms, int64_t skew_ms)
    : since_ms_(since_ms), skew_ms_(skew_ms) {}

bool ActionTally::offer(const Entry& e) {
  if (e.at_ms >= since_ms_) {
    ++counts_[e.action];
    return true;
  }
  return e.at_ms >= since_ms_ - skew_ms_;
}

bool is_stream_id(std::string_view id) {
  const size_t dash = id.find('-');
  if (dash == std::string_view::npos) return false;
  const auto digits = [](std::string_view s) {
    return !s.empty() && s.size() <= 19 &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  return digits(id.substr(0, dash)) && digits(id.substr(dash + 1));
}

}  // namespace hbsync::history
