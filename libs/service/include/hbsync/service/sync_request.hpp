// Asking the poller for work (SPEC F4.1 sync now, F5 bulk company sync): a
// SyncRequest on sync.requests, keyed by the tenant so a tenant's requests
// stay in order. Built here once for everyone who asks: `hbsync-ctl sync now`,
// `hbsync-ctl bulk-sync companies` and the admin API (services/admin).
#pragma once

#include <cstdint>
#include <string>

#include "hbsync/kafka/producer.hpp"
#include "hbsync/v1/events.pb.h"

namespace hbsync::service {

// A request of `kind` for the tenant with a fresh random request_id (the
// bulk run's id, the poll status's request_id), made at `now_ms`.
// `requested_by`: "hbsync-ctl", "console", ...
v1::SyncRequest make_sync_request(const std::string& tenant_id, v1::SyncRequest::Kind kind,
                                  const std::string& requested_by, int64_t now_ms);

// The message to produce to `topic` (sync.requests): keyed by the tenant,
// with the schema header and the request id as correlation id.
kafka::OutgoingMessage sync_request_message(const std::string& topic,
                                            const v1::SyncRequest& request);

}  // namespace hbsync::service
