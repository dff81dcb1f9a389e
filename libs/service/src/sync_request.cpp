#include "hbsync/service/sync_request.hpp"

#include "hbsync/redis/lease.hpp"
#include "hbsync/service/dlq_keys.hpp"

namespace hbsync::service {

v1::SyncRequest make_sync_request(const std::string& tenant_id, v1::SyncRequest::Kind kind,
                                  const std::string& requested_by, int64_t now_ms) {
  v1::SyncRequest r;
  r.set_tenant_id(tenant_id);
  r.set_request_id(redis::Lease::random_token());
  r.set_kind(kind);
  r.set_requested_at_ms(now_ms);
  r.set_requested_by(requested_by);
  return r;
}

kafka::OutgoingMessage sync_request_message(const std::string& topic,
                                            const v1::SyncRequest& request) {
  return {.topic = topic,
          .key = request.tenant_id(),
          .value = request.SerializeAsString(),
          .headers = {{dlq::kSchemaHeader, v1::SyncRequest::descriptor()->full_name()}},
          .correlation_id = request.request_id()};
}

}  // namespace hbsync::service
