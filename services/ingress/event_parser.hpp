// Parses and checks a HubSpot webhook body (a JSON array of events) into the
// hubspot.events messages. Pure: no I/O, so it is unit-tested and fuzzed
// alone. Unknown fields are ignored; a body that is not what HubSpot sends is
// rejected whole, with a message, so nothing is half-accepted.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "event_record.hpp"

namespace hbsync::ingress {

inline constexpr size_t kMaxEventsPerRequest = 100;

struct ParsedEvent {
  EventRecord event;  // strings and ids in its ParseResult's storage
};

// What a ParseResult's events point into: the body with its strings decoded
// in place and the events' merged ids.
struct EventStorage {
  std::string text;
  std::vector<int64_t> merged_ids;
};

struct ParseResult {
  bool ok = false;
  std::string error;  // for the 400 body; never echoes payload values
  // Stable code for the log line and metric when !ok: json_syntax,
  // json_encoding, json_too_deep, or malformed (valid JSON, not HubSpot's shape).
  std::string reason = "malformed";
  // On the heap, so `events` stay valid when the result moves. Declared
  // before `events`, which point into it.
  std::unique_ptr<EventStorage> storage;
  std::vector<ParsedEvent> events;
};

ParseResult parse_events(std::string_view body, int64_t received_at_ms);

// Properties whose values are carried on: the ones the product reacts to.
// Other values (deal names, amounts) are dropped here so they travel no
// further than ingress.
bool keeps_property_value(std::string_view property_name);

}  // namespace hbsync::ingress
