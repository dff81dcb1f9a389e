// A tenant's sync history (SPEC F7: 連携履歴): every outcome the writer
// reaches, newest last, in a capped Redis stream `hbsync:tenant:<id>:history`
// (XADD MAXLEN ~ max_entries).
//
// Entries hold ids, codes and counts only (SPEC F9): no names, amounts,
// addresses or e-mails. `message` is ours, built from codes and ids; never a
// text an API returned (board's messages may quote the values sent).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hbsync/config/config.hpp"
#include "hbsync/redis/redis.hpp"

namespace hbsync::history {

namespace direction {
inline constexpr std::string_view hubspot_to_board = "hubspot_to_board";
inline constexpr std::string_view board_to_hubspot = "board_to_hubspot";
}  // namespace direction

namespace action {
inline constexpr std::string_view created = "created";
inline constexpr std::string_view linked = "linked";    // found an existing record and linked it
inline constexpr std::string_view updated = "updated";  // e.g. order status changed
inline constexpr std::string_view unchanged = "unchanged";
inline constexpr std::string_view skipped = "skipped";
inline constexpr std::string_view failed = "failed";
inline constexpr std::string_view deactivated = "deactivated";
inline constexpr std::string_view repointed = "repointed";
// Every action above: the vocabulary a history filter is checked against.
inline constexpr std::array<std::string_view, 8> all = {created, linked, updated,     unchanged,
                                                        skipped, failed, deactivated, repointed};
}  // namespace action

struct Entry {
  std::string id{};  // stream id ("1700000000000-0"); set when read
  int64_t at_ms = 0;
  std::string direction{};
  std::string action{};
  int64_t deal_id = 0;  // 0: not concerned
  int64_t company_id = 0;
  int64_t client_id = 0;
  int64_t project_id = 0;
  std::string reason_code{};  // "" on success
  std::string message{};      // ids and codes only
  int attempts = 0;
  std::string command_id{};
  // A failure's dead letter in the dlq topic ("<partition>:<offset>", as
  // `hbsync-ctl dlq` names it): what the console's retry replays.
  std::string dead_letter{};
};

struct Page;       // page.hpp
struct PageQuery;  // page.hpp

// Entries kept in each tenant's stream when nothing is configured.
inline constexpr size_t kDefaultMaxEntries = 10000;

// HBSYNC_HISTORY_MAX: entries kept in each tenant's stream. Every service that
// records declares it, so all of them trim to one cap (each XADD trims the
// whole stream). The writer's former HBSYNC_WRITER_HISTORY_MAX is refused
// with a pointer to it rather than silently ignored.
size_t load_max_entries(config::Loader& config);

class History {
 public:
  // `redis` must outlive the History. `max_entries` caps the stream on every
  // record(); a History that only reads may keep the default.
  explicit History(redis::Client& redis, size_t max_entries = kDefaultMaxEntries);

  // Appends one entry (at_ms = now when 0). Throws redis::Error.
  void record(const std::string& tenant_id, const Entry& entry);

  // The newest `count` entries, newest first. Throws redis::Error.
  std::vector<Entry> latest(const std::string& tenant_id, size_t count) const;

  // One page, newest first (page.hpp). Throws redis::Error.
  Page page(const std::string& tenant_id, const PageQuery& query) const;

  // The tenant's entry with this stream id; nullopt when the tenant has none
  // (an id of another tenant's stream included) or `id` is no stream id.
  // Throws redis::Error.
  std::optional<Entry> find(const std::string& tenant_id, const std::string& id) const;

  // Entries recorded at or after `since_ms`, counted by action (page.hpp
  // ActionTally), looking at `max_scan` entries at most. Throws redis::Error.
  std::map<std::string, int64_t> count_by_action(const std::string& tenant_id, int64_t since_ms,
                                                 size_t max_scan = 20000) const;

  // The tenant's stream (keys.hpp).
  static std::string key(std::string_view tenant_id);

 private:
  redis::Client& redis_;
  size_t max_entries_;
};

}  // namespace hbsync::history
