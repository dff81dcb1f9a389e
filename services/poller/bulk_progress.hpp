// The bulk company sync's progress in Redis (hbsync/bulk/status.hpp has the
// layout) and in metrics:
//   hbsync_bulk_sync_clients_total{result}    clients per outcome (created,
//                                             linked, skipped, failed), each
//                                             counted once per run
//   hbsync_bulk_sync_progress_ratio{tenant}   done / total of the tenant's
//                                             current run (1 when finished)
//   hbsync_bulk_sync_runs_total{result}       runs started, resumed, done,
//                                             failed
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hbsync/domain/bulk_companies.hpp"
#include "hbsync/redis/redis.hpp"

namespace hbsync::poller {

struct ClientResult {
  int64_t client_id = 0;
  domain::bulk::ClientOutcome outcome = domain::bulk::ClientOutcome::failed;
  int64_t company_id = 0;     // 0: none
  std::string reason_code{};  // failed: why (ids and codes only)
  bool url_written = false;   // the company's link property holds the client URL
};

class Progress {
 public:
  // `redis` must outlive it.
  Progress(redis::Client& redis, std::string tenant_id, std::string run_id);

  enum class Begin {
    fresh,     // a new run: status and outcomes reset
    resumed,   // this run was recorded as running: its counts are kept
    finished,  // this run is done or failed already (a redelivered request)
  };
  Begin begin();
  void set_total(int64_t total);
  // Counts each client once per run: the results new to this run, in order.
  std::vector<ClientResult> record(const std::vector<ClientResult>& results);
  // state::done or state::failed (with a reason code).
  void finish(std::string_view state, const std::string& error = "");

  static void count_run(std::string_view result);

 private:
  void publish_ratio();

  redis::Client& redis_;
  std::string tenant_;
  std::string run_id_;
};

}  // namespace hbsync::poller
