// The two message forms of hubspot.events (proto/hbsync/v1/events.proto):
// a single HubSpotEvent (replays, the console's retries, dead letters) and a
// HubSpotEventBatch (what ingress publishes: one message per webhook request
// and portal). Shared by ingress, which writes them, the mapper, which reads
// both, and the replays (hbsync-ctl dlq replay, the console's retries).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "hbsync/v1/events.pb.h"

namespace hbsync::service {

// hbsync-schema header values.
inline constexpr std::string_view kHubSpotEventSchema = "hbsync.v1.HubSpotEvent";
inline constexpr std::string_view kHubSpotEventBatchSchema = "hbsync.v1.HubSpotEventBatch";

// The Kafka key of every hubspot.events message: its portal, "<portalId>".
// A tenant's events all take one partition, in the order they were
// published, so one deal's or company's events keep their order; a tenant's
// throughput is bound by its own API budget (a few calls a second), not by
// a partition, and a tenant waiting for its budget holds only its partition.
std::string hubspot_events_key(int64_t portal_id);
// The hubspot.events key of a message that was keyed `key`: an event key
// ("<portalId>:..."; dead letters of single events carry one) or a portal key.
std::string hubspot_events_key(std::string_view key);

// An event's identity, "<portalId>:<objectType>:<objectId>" (the mapper's
// logs and dead letters of single events). Association changes are named by
// their deal.
std::string event_key(const v1::HubSpotEvent& event);

}  // namespace hbsync::service
