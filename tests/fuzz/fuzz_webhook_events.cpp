// The ingress webhook body parser: never crashes, never half-accepts, every
// event it accepts is a protobuf the mapper can read back, and it answers
// every input exactly as the DOM parser it replaced (event_parser_reference).
#include "event_parser.hpp"
#include "event_parser_reference.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hbsync;
  const std::string_view body = fuzz::text(data, size);
  auto result = ingress::parse_events(body, 1700000000000);
  const auto reference = ingress::reference::parse_events(body, 1700000000000);
  FUZZ_CHECK(result.ok == reference.ok);
  FUZZ_CHECK(result.reason == reference.reason);
  FUZZ_CHECK(result.error == reference.error);
  FUZZ_CHECK(result.events.size() == reference.events.size());
  if (!result.ok) {
    FUZZ_CHECK(result.events.empty());
    FUZZ_CHECK(!result.error.empty());
    FUZZ_CHECK(!result.reason.empty());
    return 0;
  }
  FUZZ_CHECK(result.events.size() <= ingress::kMaxEventsPerRequest);
  for (size_t i = 0; i < result.events.size(); ++i) {
    const auto& e = result.events[i];
    FUZZ_CHECK(e.event.portal_id > 0);
    const std::string bytes = ingress::encode(e.event);
    FUZZ_CHECK(bytes == reference.events[i].event->SerializeAsString());
    v1::HubSpotEvent back;
    FUZZ_CHECK(back.ParseFromString(bytes));
    FUZZ_CHECK(back.SerializeAsString() == bytes);
  }
  return 0;
}
