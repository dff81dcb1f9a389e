// HubSpot webhook request signatures: signing (the HubSpot simulator) and
// verification (the ingress service). See reference/hubspot.md, "Request
// signature v3".
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace hbsync::webhook {

// The URI as it enters the v3 string to sign: only these escapes are decoded,
// upper-case hex as HubSpot lists them: %3A %2F %3F %40 %21 %24 %27 %28 %29
// %2A %2C %3B. Every other byte, other escapes included, stays as it is.
std::string decode_signed_uri(std::string_view uri);

// base64(HMAC-SHA256(secret, method + decode_signed_uri(uri) + body + timestamp_ms)).
// `uri` is the full URL HubSpot called: scheme, host, path and query.
std::string sign_v3(std::string_view secret, std::string_view method, std::string_view uri,
                    std::string_view body, int64_t timestamp_ms);

// Legacy signatures, still sent by HubSpot; they carry no timestamp, so they
// must not be relied on. v1: hex(SHA-256(secret + body)).
// v2: hex(SHA-256(secret + method + uri + body)).
std::string sign_v1(std::string_view secret, std::string_view body);
std::string sign_v2(std::string_view secret, std::string_view method, std::string_view uri,
                    std::string_view body);

// Equal-length inputs are compared without an early exit; a length
// difference returns at once (lengths are not secret).
bool constant_time_equals(std::string_view a, std::string_view b);

enum class Verdict {
  ok,
  missing_signature,
  bad_timestamp,  // missing, not a plain decimal number, or out of range
  expired,        // older than max_age
  from_future,    // more than max_future_skew ahead of now
  mismatch,
};
std::string_view to_string(Verdict verdict);

struct VerifyOptions {
  std::chrono::milliseconds max_age{300000};  // HubSpot's 5-minute window
  // HubSpot's own helper accepts any future timestamp; a captured request
  // re-sent later would then stay valid for longer than max_age.
  std::chrono::milliseconds max_future_skew{60000};
};

// Checks X-HubSpot-Signature-v3 (`signature`) and X-HubSpot-Request-Timestamp
// (`timestamp`) header values against the request. `uri` must be the public
// URL the sender used (behind a load balancer: the configured public base URL
// plus the request target), not what the local socket saw.
Verdict verify_v3(std::string_view secret, std::string_view method, std::string_view uri,
                  std::string_view body, std::string_view timestamp, std::string_view signature,
                  int64_t now_ms, const VerifyOptions& options = {});

// Milliseconds since the Unix epoch, for now_ms and signing.
int64_t unix_millis();

}  // namespace hbsync::webhook
