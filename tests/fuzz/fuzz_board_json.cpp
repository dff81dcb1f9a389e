// Every board answer reader: never crashes; a failed read always says why.
#include "fuzz_common.hpp"
#include "json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hbsync::board;
  const auto text = hbsync::fuzz::text(data, size);
  std::string error;
  auto check = [&](bool ok) {
    FUZZ_CHECK(ok || !error.empty());
    error.clear();
  };
  check(json::parse_users(text, error).has_value());
  check(json::parse_clients(text, error).has_value());
  check(json::parse_projects(text, error).has_value());
  check(json::parse_invoices(text, error).has_value());
  check(json::parse_client(text, error).has_value());
  check(json::parse_project(text, error).has_value());
  FUZZ_CHECK(!json::error_message(text, 422).empty());
  return 0;
}
