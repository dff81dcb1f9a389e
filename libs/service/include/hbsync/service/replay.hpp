// Replays that decide afresh (issue 8, C10). `hbsync-ctl dlq replay` turns
// a dead-lettered deal command into this synthetic hubspot.events event,
// sent with the `hbsync-replay` header: the mapper re-reads the deal from
// HubSpot, decides again from its current state and passes the header on
// to the command it publishes, so the writer may claim again a command that
// failed for good (and only then). Header-only: hbsync-ctl and the mapper
// share it without linking each other.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "hbsync/v1/events.pb.h"

namespace hbsync::service {

// HubSpotEvent.subscription_type of a replay; HubSpot never sends it.
inline constexpr std::string_view kReplaySubscriptionType = "hbsync.replay";

// The event asking the mapper to decide deal `deal_id` of portal
// `portal_id` again; `now_ms` as occurred_at and received_at.
inline v1::HubSpotEvent deal_replay_event(int64_t portal_id, int64_t deal_id, int64_t now_ms) {
  v1::HubSpotEvent e;
  e.set_portal_id(portal_id);
  e.set_subscription_type(std::string(kReplaySubscriptionType));
  e.set_object_id(deal_id);
  e.set_occurred_at_ms(now_ms);
  e.set_received_at_ms(now_ms);
  return e;
}

}  // namespace hbsync::service
