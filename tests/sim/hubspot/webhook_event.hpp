// The events HubSpot posts to an app's webhook URL (reference/hubspot.md,
// "Payload"), built from the portal's Change records.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "portal.hpp"
#include "util.hpp"

namespace hbsync::sim_hubspot {

struct WebhookEvent {
  int64_t event_id = 0;
  int64_t subscription_id = 0;
  int64_t portal_id = 0;
  int64_t app_id = 0;
  int64_t occurred_ms = 0;
  std::string subscription_type;  // deal.creation, company.propertyChange, ...
  std::string change_source;      // CRM_UI, INTEGRATION, API
  std::string source_id;          // the app id or user, when known
  Change change;
};

// "deal.propertyChange", "company.associationChange", "deal.merge", ...
std::string subscription_type(const Change& change);
// The subscription key an app filters on: the type, plus ":property" for
// property changes.
std::string subscription_key(const Change& change);

void write_event(JsonWriter& w, const WebhookEvent& event, int attempt_number);
// The request body: a JSON array of the events, attemptNumber filled in.
std::string batch_body(const std::vector<WebhookEvent>& events, int attempt_number);

}  // namespace hbsync::sim_hubspot
