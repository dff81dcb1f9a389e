// Retrying a failed history entry from the console (SPEC F7): the entry is
// re-driven the way an operator would:
// - an entry that names its dead letter (Entry::dead_letter): that dead
//   letter is replayed exactly as `hbsync-ctl dlq replay <id>` replays it
//   (service::dlq::plan_replay: a deal command becomes a fresh decision of
//   the deal, anything else, e.g. a board -> HubSpot deal update, goes back
//   to its topic as it was, with the hbsync-replay header) and marked
//   replayed where `hbsync-ctl dlq list` sees it; a dead letter of another
//   tenant is not found, one already replayed (by an operator) or no longer
//   on the topic is refused (409);
// - a HubSpot -> board deal without one (older entries, or one that waited
//   for the board connection): service::deal_replay_event for the deal;
// - a bulk company sync client (command "bulk:companies:<run>"): a new bulk
//   company sync (it only creates companies for clients that have none);
// - any other board -> HubSpot failure without a dead letter: a sync-now
//   request;
// - anything else (e.g. a company's link property): nothing to retry with.
// Retries are remembered per entry (ids and times only, activity_keys.hpp):
// the entry shows retried_at_ms, and it is not retried twice within
// kRetryWindow.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "api.hpp"
#include "hbsync/history/history.hpp"

namespace hbsync::admin::activity {

enum class RetryWith { nothing, dead_letter, deal_replay, bulk_companies, sync_now };

// A deal the mapper recorded as skipped because the tenant's board connection
// was not saved yet (F1.2 before F1.1, reason `board_not_connected`): once it
// is, the deal is retried like a failed one.
bool waits_for_board(const history::Entry& entry);

// How a failed entry (or one that waits for board) is retried (`nothing`
// otherwise).
RetryWith retry_with(const history::Entry& entry);

// A second retry of the same entry within this window is refused
// (409 already_retried): one click is enough while the first one works.
inline constexpr std::chrono::minutes kRetryWindow{5};

// The console's retries of a tenant's entries, in Redis.
class RetryMarks {
 public:
  RetryMarks(redis::Client& redis, std::string tenant_id);

  // Claims the entry's retry for kRetryWindow (atomic); false when one is
  // claimed already.
  bool claim(const std::string& entry_id);
  // Gives a claim back: the retry could not be sent.
  void release(const std::string& entry_id);
  // Remembers that the entry was retried at `at_ms`.
  void mark(const std::string& entry_id, int64_t at_ms);
  // entry id -> when it was retried, for those of `ids` that were.
  std::map<std::string, int64_t> retried_at(const std::vector<std::string>& ids) const;

 private:
  redis::Client& redis_;
  std::string tenant_id_;
};

// POST /api/v1/history/{id}/retry.
http::Response post_retry(Services& services, const Call& call);

}  // namespace hbsync::admin::activity
