// The tenant.json reader: never crashes; settings it reads without errors are
// written out and read back without errors to the same JSON.
#include "fuzz_common.hpp"
#include "hbsync/tenant/settings.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hbsync;
  const auto text = fuzz::text(data, size);
  auto strict = tenant::from_json(text, tenant::UnknownFields::reject);
  auto lenient = tenant::from_json(text, tenant::UnknownFields::ignore);
  for (const auto& e : strict.errors) FUZZ_CHECK(!e.code.empty());
  if (!strict.ok()) return 0;
  (void)tenant::validate(strict.settings);
  const std::string written =
      tenant::to_json(strict.settings, tenant::Redaction::include, tenant::JsonStyle::compact);
  auto again = tenant::from_json(written, tenant::UnknownFields::reject);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(tenant::to_json(again.settings, tenant::Redaction::include,
                             tenant::JsonStyle::compact) == written);
  return 0;
}
