// The poller's metrics (docs/operations.md lists them):
//   hbsync_poller_runs_total{kind, result}          runs by request kind and result
//                                                   (succeeded, failed, busy, covered)
//   hbsync_poller_changes_published_total           BoardProjectChange messages
//   hbsync_poller_run_duration_seconds{kind}        duration of finished runs
//   hbsync_poller_scheduled_requests_total{kind}    requests the scheduler published
//   hbsync_poller_oldest_success_age_seconds        the longest time since a tenant's
//                                                   last successful run (0: none ran yet)
#pragma once

#include <cstdint>
#include <string_view>

namespace hbsync::poller::metrics {

void run_finished(std::string_view kind, std::string_view result, double seconds);
void published(int64_t count);
void scheduled(std::string_view kind);
void oldest_success_age(double seconds);

}  // namespace hbsync::poller::metrics
