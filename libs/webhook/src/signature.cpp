#include "hbsync/webhook/signature.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <array>
#include <charconv>
#include <stdexcept>

namespace hbsync::webhook {
namespace {

struct Escape {
  std::string_view code;
  char decoded;
};

constexpr std::array<Escape, 12> kSignedUriEscapes = {{
    {"3A", ':'},
    {"2F", '/'},
    {"3F", '?'},
    {"40", '@'},
    {"21", '!'},
    {"24", '$'},
    {"27", '\''},
    {"28", '('},
    {"29", ')'},
    {"2A", '*'},
    {"2C", ','},
    {"3B", ';'},
}};

std::string base64(const unsigned char* data, size_t size) {
  std::string out(4 * ((size + 2) / 3), '\0');
  int written =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
  out.resize(static_cast<size_t>(written));
  return out;
}

std::string hex(const unsigned char* data, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    out.push_back(kDigits[data[i] >> 4]);
    out.push_back(kDigits[data[i] & 0x0f]);
  }
  return out;
}

std::string sha256_hex(std::initializer_list<std::string_view> parts) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) throw std::runtime_error("EVP_MD_CTX_new failed");
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  bool ok = EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) == 1;
  for (std::string_view part : parts) {
    ok = ok && EVP_DigestUpdate(ctx, part.data(), part.size()) == 1;
  }
  ok = ok && EVP_DigestFinal_ex(ctx, digest, &length) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) throw std::runtime_error("SHA-256 failed");
  return hex(digest, length);
}

// The signed string keeps the timestamp text as the sender wrote it. The
// MAC is fed the parts one after another: no copy of the body (a webhook
// batch is tens of KiB) just to have them in one string.
std::string v3_signature(std::string_view secret, std::string_view method, std::string_view uri,
                         std::string_view body, std::string_view timestamp) {
  // Fetched once: a fetch per call is a provider lookup by name.
  static EVP_MAC* const algorithm = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (algorithm == nullptr) throw std::runtime_error("HMAC unavailable");
  const std::string decoded_uri = decode_signed_uri(uri);
  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                               OSSL_PARAM_construct_end()};
  // A key pointer is required even for an empty key.
  static const unsigned char kNoKey = 0;
  const auto* key =
      secret.empty() ? &kNoKey : reinterpret_cast<const unsigned char*>(secret.data());
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(algorithm);
  bool ok = ctx != nullptr && EVP_MAC_init(ctx, key, secret.size(), params) == 1;
  for (std::string_view part : {method, std::string_view(decoded_uri), body, timestamp}) {
    ok = ok &&
         EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(part.data()), part.size()) == 1;
  }
  unsigned char mac[EVP_MAX_MD_SIZE];
  size_t length = 0;
  ok = ok && EVP_MAC_final(ctx, mac, &length, sizeof mac) == 1;
  EVP_MAC_CTX_free(ctx);
  if (!ok) throw std::runtime_error("HMAC-SHA256 failed");
  return base64(mac, length);
}

}  // namespace

std::string decode_signed_uri(std::string_view uri) {
  std::string out;
  out.reserve(uri.size());
  for (size_t i = 0; i < uri.size(); ++i) {
    if (uri[i] == '%' && i + 2 < uri.size()) {
      std::string_view code = uri.substr(i + 1, 2);
      bool decoded = false;
      for (const Escape& escape : kSignedUriEscapes) {
        if (code == escape.code) {
          out.push_back(escape.decoded);
          i += 2;
          decoded = true;
          break;
        }
      }
      if (decoded) continue;
    }
    out.push_back(uri[i]);
  }
  return out;
}

std::string sign_v3(std::string_view secret, std::string_view method, std::string_view uri,
                    std::string_view body, int64_t timestamp_ms) {
  return v3_signature(secret, method, uri, body, std::to_string(timestamp_ms));
}

std::string sign_v1(std::string_view secret, std::string_view body) {
  return sha256_hex({secret, body});
}

std::string sign_v2(std::string_view secret, std::string_view method, std::string_view uri,
                    std::string_view body) {
  return sha256_hex({secret, method, uri, body});
}

bool constant_time_equals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string_view to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::ok:
      return "ok";
    case Verdict::missing_signature:
      return "missing_signature";
    case Verdict::bad_timestamp:
      return "bad_timestamp";
    case Verdict::expired:
      return "expired";
    case Verdict::from_future:
      return "from_future";
    case Verdict::mismatch:
      return "mismatch";
  }
  return "unknown";
}

Verdict verify_v3(std::string_view secret, std::string_view method, std::string_view uri,
                  std::string_view body, std::string_view timestamp, std::string_view signature,
                  int64_t now_ms, const VerifyOptions& options) {
  if (signature.empty()) return Verdict::missing_signature;
  // from_chars alone would accept a leading '-'; only plain digits are valid.
  if (timestamp.empty() || timestamp.size() > 18) return Verdict::bad_timestamp;
  for (char c : timestamp) {
    if (c < '0' || c > '9') return Verdict::bad_timestamp;
  }
  int64_t timestamp_ms = 0;
  auto [end, error] =
      std::from_chars(timestamp.data(), timestamp.data() + timestamp.size(), timestamp_ms);
  if (error != std::errc() || end != timestamp.data() + timestamp.size()) {
    return Verdict::bad_timestamp;
  }
  if (now_ms - timestamp_ms > options.max_age.count()) return Verdict::expired;
  if (timestamp_ms - now_ms > options.max_future_skew.count()) return Verdict::from_future;
  // Re-encoding the parsed number would turn "0150" into "150" and break a
  // valid signature, so the header text is what gets signed.
  return constant_time_equals(v3_signature(secret, method, uri, body, timestamp), signature)
             ? Verdict::ok
             : Verdict::mismatch;
}

int64_t unix_millis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace hbsync::webhook
