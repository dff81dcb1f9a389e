// The run status of one tenant's board -> HubSpot poll, kept in Redis
// (keys::status) for hbsync-ctl sync and the admin API: state, times and
// counts, and an error code. No personal data, no amounts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "hbsync/redis/redis.hpp"

namespace hbsync::poll {

struct RunStatus {
  std::string state{};  // running | succeeded | failed ("" = never ran)
  std::string kind{};   // scheduled | interval | sync_now
  bool full = false;    // a full reconcile (every project and invoice)
  std::string run_id{};
  std::string request_id{};
  int64_t started_at_ms = 0;
  int64_t finished_at_ms = 0;
  int64_t projects_seen = 0;  // projects and invoice-only projects looked at
  int64_t published = 0;      // BoardProjectChange messages published
  int64_t calls = 0;          // board requests of this run
  std::string error{};        // a code (board_rate_limited, lease_lost, ...)
  // The last run that succeeded (kept across later runs).
  int64_t last_success_at_ms = 0;
  int64_t last_success_started_ms = 0;
};

// Reads the tenant's status (an empty RunStatus when none). Throws redis::Error.
RunStatus read_status(redis::Client& redis, const std::string& tenant_id);
// Writes every field; a succeeded run also sets last_success_* from its times.
void write_status(redis::Client& redis, const std::string& tenant_id, const RunStatus& status);

}  // namespace hbsync::poll
