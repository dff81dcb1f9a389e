// Sync now (SPEC F4.1) and the bulk company sync (F5) from the console: a
// SyncRequest on sync.requests built exactly as hbsync-ctl builds it
// (hbsync/service/sync_request.hpp), and the status the poller keeps
// (libs/poll, libs/bulk), shown "queued" while the console's last request
// has not been taken by a run yet.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "api.hpp"
#include "hbsync/bulk/status.hpp"
#include "hbsync/poll/status.hpp"
#include "hbsync/v1/events.pb.h"

namespace hbsync::admin::activity {

// The last request of a kind the console published (Redis, keys.hpp).
struct LastRequest {
  std::string request_id{};
  int64_t requested_at_ms = 0;
};

// Still waiting for a poll: no run took the request, none started after it
// (a run that did covers it: the poller drops requests older than its last
// successful run).
bool sync_queued(const LastRequest& last, const poll::RunStatus& status);
// Still waiting for its bulk run (its request id is the run id), and no run
// started after it.
bool bulk_queued(const LastRequest& last, const std::optional<bulk::Status>& status);

// Publishes a request of `kind` for the tenant, waits for Kafka's
// acknowledgement and remembers it as the tenant's last of that kind. The
// request id; nullopt when Kafka did not acknowledge. Throws redis::Error.
std::optional<std::string> request_sync(Services& services, const std::string& tenant_id,
                                        v1::SyncRequest::Kind kind);

// The routes (docs/admin-api.yaml, "history and actions").
http::Response post_sync_now(Services& services, const Call& call);
http::Response get_sync_status(Services& services, const Call& call);
http::Response post_bulk_companies(Services& services, const Call& call);
http::Response get_bulk_status(Services& services, const Call& call);

// 202 {"request_id": ...}.
http::Response accepted(const std::string& request_id);
// 503 kafka_unavailable: Kafka did not acknowledge; nothing was queued.
http::Response kafka_unavailable();

}  // namespace hbsync::admin::activity
