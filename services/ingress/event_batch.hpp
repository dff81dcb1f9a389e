// A webhook request's events as hubspot.events messages: one
// HubSpotEventBatch per portal in the request (keyed by the portal,
// service::hubspot_events_key), so a request costs one message per tenant
// (HubSpot batches a portal's events: usually one) instead of one per event.
// Pure.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "event_parser.hpp"

namespace hbsync::ingress {

struct PortalGroup {
  int64_t portal_id = 0;
  std::vector<size_t> events;  // positions in `events`, ascending
};

// events[i] for i in `positions` (ascending) grouped by portal: groups in
// the order of their first event, each group's events in input order. Every
// position is in exactly one group.
std::vector<PortalGroup> group_by_portal(std::span<const ParsedEvent> events,
                                         std::span<const size_t> positions);

// The serialized hbsync.v1.HubSpotEventBatch of events[i] for i in
// `positions`, in that order (each event written in place from its record:
// no message is built).
std::string encode_batch(std::span<const ParsedEvent> events, std::span<const size_t> positions);

}  // namespace hbsync::ingress
