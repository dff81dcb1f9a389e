// The v3 signature check: never crashes on any header values, accepts what
// sign_v3 produced for the same request, and refuses any other signature.
#include <string>

#include "fuzz_common.hpp"
#include "hbsync/webhook/signature.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hbsync;
  // secret, method, uri, body, timestamp header, signature header
  auto f = fuzz::fields(fuzz::text(data, size), 6);
  const int64_t now = 1700000000000;
  const auto verdict = webhook::verify_v3(f[0], f[1], f[2], f[3], f[4], f[5], now);
  (void)webhook::to_string(verdict);
  (void)webhook::decode_signed_uri(f[2]);

  const std::string good = webhook::sign_v3(f[0], f[1], f[2], f[3], now);
  const std::string ts = std::to_string(now);
  FUZZ_CHECK(webhook::verify_v3(f[0], f[1], f[2], f[3], ts, good, now) == webhook::Verdict::ok);
  if (f[5] != good && !f[5].empty()) {
    FUZZ_CHECK(webhook::verify_v3(f[0], f[1], f[2], f[3], ts, f[5], now) != webhook::Verdict::ok);
  }
  FUZZ_CHECK(webhook::constant_time_equals(good, good));
  return 0;
}
