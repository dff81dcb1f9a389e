// The ingress webhook body parser: never crashes, never half-accepts, and
// every event it accepts is a protobuf the mapper can read back.
#include "event_parser.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hbsync;
  auto result = ingress::parse_events(fuzz::text(data, size), 1700000000000);
  if (!result.ok) {
    FUZZ_CHECK(result.events.empty());
    FUZZ_CHECK(!result.error.empty());
    FUZZ_CHECK(!result.reason.empty());
    return 0;
  }
  FUZZ_CHECK(result.events.size() <= ingress::kMaxEventsPerRequest);
  for (const auto& e : result.events) {
    FUZZ_CHECK(e.event->portal_id() > 0);
    FUZZ_CHECK(!e.key.empty());
    v1::HubSpotEvent back;
    FUZZ_CHECK(back.ParseFromString(e.event->SerializeAsString()));
    FUZZ_CHECK(back.SerializeAsString() == e.event->SerializeAsString());
  }
  return 0;
}
