// The progress of a tenant's bulk company sync (SPEC F5), as the poller
// writes it and hbsync-ctl (and the admin API) read it. Ids and counts only
// (SPEC F9): no names.
//
//   hbsync:tenant:<t>:bulk:companies          hash, the run's status:
//     run_id          the SyncRequest's request_id
//     state           running | done | failed
//     total           board clients seen when the run (re)started
//     done            created + linked + skipped + failed
//     created, linked, skipped, failed   clients per outcome
//     started_at_ms, updated_at_ms, finished_at_ms (0 while running)
//     error           a reason code when state is failed
//     attempts        how many times the run was (re)started (1 + resumes)
//   hbsync:tenant:<t>:bulk:companies:clients  hash, client id -> outcome code
//     of the current run (created, linked, skipped, failed): each client is
//     counted once per run, however often the run resumes.
//   hbsync:lease:bulk-companies:<t>           redis::Lease: one run per tenant
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "hbsync/redis/redis.hpp"

namespace hbsync::bulk {

namespace state {
inline constexpr std::string_view running = "running";
inline constexpr std::string_view done = "done";
inline constexpr std::string_view failed = "failed";
}  // namespace state

struct Status {
  std::string run_id{};
  std::string state{};
  int64_t total = 0;
  int64_t done = 0;
  int64_t created = 0;
  int64_t linked = 0;
  int64_t skipped = 0;
  int64_t failed = 0;
  int64_t started_at_ms = 0;
  int64_t updated_at_ms = 0;
  int64_t finished_at_ms = 0;
  int64_t attempts = 0;
  std::string error{};

  bool finished() const { return state == state::done || state == state::failed; }
};

std::string status_key(std::string_view tenant_id);
std::string outcomes_key(std::string_view tenant_id);
std::string lease_key(std::string_view tenant_id);

// From HGETALL's field -> value (unknown fields ignored, bad numbers 0).
Status from_fields(const std::map<std::string, std::string>& fields);
// nullopt when no run was ever recorded. Throws redis::Error.
std::optional<Status> read_status(redis::Client& redis, std::string_view tenant_id);

// For a terminal: "[##########..........]  100/250  40%  created 90 linked 5
// skipped 5 failed 0" with a bar of `width` cells.
std::string progress_bar(const Status& status, int width = 30);
// For logs and non-terminals: "bulk-sync companies 100/250 (40%): created 90,
// linked 5, skipped 5, failed 0 [running]".
std::string progress_line(const Status& status);

}  // namespace hbsync::bulk
