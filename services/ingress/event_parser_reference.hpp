// The webhook body parser as it was before the SAX parser (issue 13): a
// RapidJSON DOM from json::parse_insitu, then each event's fields read from it
// (the field names shared with the parser, event_fields.hpp). Test-only (the differential test and
// the fuzz target): the reference parse_events() must match, input by input.
#pragma once

#include <google/protobuf/arena.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "event_parser.hpp"

namespace hbsync::ingress::reference {

// As the parser gave them then: each event a HubSpotEvent built by protobuf
// on an arena.
struct Event {
  hbsync::v1::HubSpotEvent* event = nullptr;  // on its Result's arena
};

struct Result {
  bool ok = false;
  std::string error;
  std::string reason = "malformed";
  std::unique_ptr<google::protobuf::Arena> arena;
  std::vector<Event> events;
};

Result parse_events(std::string_view body, int64_t received_at_ms);

}  // namespace hbsync::ingress::reference
