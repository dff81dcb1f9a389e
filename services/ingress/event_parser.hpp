// Parses and checks a HubSpot webhook body (a JSON array of events) into the
// hubspot.events messages. Pure: no I/O, so it is unit-tested and fuzzed
// alone. Unknown fields are ignored; a body that is not what HubSpot sends is
// rejected whole, with a message, so nothing is half-accepted.
#pragma once

#include <google/protobuf/arena.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "hbsync/v1/events.pb.h"

namespace hbsync::ingress {

inline constexpr size_t kMaxEventsPerRequest = 100;

struct ParsedEvent {
  hbsync::v1::HubSpotEvent* event = nullptr;  // on its ParseResult's arena
  std::string key;  // "<portalId>:<objectType>:<objectId>": one object's events stay in order
};

struct ParseResult {
  bool ok = false;
  std::string error;  // for the 400 body; never echoes payload values
  // Stable code for the log line and metric when !ok: json_syntax,
  // json_encoding, json_too_deep, or malformed (valid JSON, not HubSpot's shape).
  std::string reason = "malformed";
  // Owns the events' messages and their strings: one block per request
  // instead of a heap chunk per string, freed at once. Declared before
  // `events`, which point into it.
  std::unique_ptr<google::protobuf::Arena> arena;
  std::vector<ParsedEvent> events;
};

ParseResult parse_events(std::string_view body, int64_t received_at_ms);

// Properties whose values are carried on: the ones the product reacts to.
// Other values (deal names, amounts) are dropped here so they travel no
// further than ingress.
bool keeps_property_value(std::string_view property_name);

}  // namespace hbsync::ingress
