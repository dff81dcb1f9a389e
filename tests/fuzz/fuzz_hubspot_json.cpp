// Every HubSpot answer reader: never crashes, whatever HubSpot (or something
// pretending to be it) sends. A failed read always says why.
#include "fuzz_common.hpp"
#include "json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hbsync::hubspot;
  const auto text = hbsync::fuzz::text(data, size);
  std::string error;
  auto check = [&](bool ok) {
    FUZZ_CHECK(ok || !error.empty());
    error.clear();
  };
  check(json::parse_deal(text, error).has_value());
  check(json::parse_object(text, error).has_value());
  check(json::parse_batch(text, 207, error).has_value());
  check(json::parse_search(text, error).has_value());
  check(json::parse_v4_associations(text, error).has_value());
  check(json::parse_owner(text, error).has_value());
  check(json::parse_pipelines(text, error).has_value());
  check(json::parse_properties(text, error).has_value());
  check(json::parse_property(text, error).has_value());
  check(json::parse_tokens(text, 1700000000000, error).has_value());
  check(json::parse_token_info(text, error).has_value());
  (void)json::policy_name(text);
  Error e;
  e.status = 400;
  json::fill_error(e, text);
  FUZZ_CHECK(!e.message.empty());
  FUZZ_CHECK(e.message.size() <= 1100);
  return 0;
}
