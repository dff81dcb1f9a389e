// The webhook body parser as it was before the SAX parser (issue 13): a
// RapidJSON DOM from json::parse_insitu, then each event's fields read from it
// (the field names shared with the parser, event_fields.hpp). Test-only (the differential test and
// the fuzz target): the reference parse_events() must match, input by input.
#pragma once

#include <string_view>

#include "event_parser.hpp"

namespace hbsync::ingress::reference {

ParseResult parse_events(std::string_view body, int64_t received_at_ms);

}  // namespace hbsync::ingress::reference
