// The two message forms of hubspot.events (proto/hbsync/v1/events.proto):
// a single HubSpotEvent (replays, the console's retries, dead letters) and a
// HubSpotEventBatch (what ingress publishes: one message per webhook request
// and partition). Shared by ingress, which writes them, and the mapper,
// which reads both.
#pragma once

#include <string>
#include <string_view>

#include "hbsync/v1/events.pb.h"

namespace hbsync::service {

// hbsync-schema header values.
inline constexpr std::string_view kHubSpotEventSchema = "hbsync.v1.HubSpotEvent";
inline constexpr std::string_view kHubSpotEventBatchSchema = "hbsync.v1.HubSpotEventBatch";

// An event's Kafka key, "<portalId>:<objectType>:<objectId>": one object's
// events stay in order. Association changes are keyed by their deal, so a
// deal's events stay on one partition.
std::string event_key(const v1::HubSpotEvent& event);

}  // namespace hbsync::service
