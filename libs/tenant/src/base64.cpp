#include "base64.hpp"

#include <openssl/evp.h>

#include <algorithm>

namespace hbsync::tenant {

namespace {

bool in_alphabet(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

const unsigned char* bytes(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

}  // namespace

std::string base64_encode(std::string_view data) {
  std::string out((data.size() + 2) / 3 * 4 + 1, '\0');  // EVP_EncodeBlock adds a NUL
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes(data),
                                static_cast<int>(data.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  // EVP_DecodeBlock skips leading and trailing whitespace, wants the padding
  // and tolerates non-zero leftover bits; this decoder refuses all of that,
  // so check the shape first, then let OpenSSL decode.
  size_t padding = 0;
  while (padding < 2 && !text.empty() && text.back() == '=') {
    text.remove_suffix(1);
    ++padding;
  }
  if (text.size() % 4 == 1) return std::nullopt;
  if (padding > 0 && (text.size() + padding) % 4 != 0) return std::nullopt;
  if (!std::all_of(text.begin(), text.end(), in_alphabet)) return std::nullopt;
  std::string padded(text);
  const size_t missing = (4 - text.size() % 4) % 4;  // what the padding was (or should be)
  padded.append(missing, '=');

  std::string out(padded.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes(padded),
                                static_cast<int>(padded.size()));
  if (n < 0 || static_cast<size_t>(n) != out.size()) return std::nullopt;
  out.resize(out.size() - missing);  // EVP_DecodeBlock counts each '=' as a zero byte
  // Leftover bits must be zero, or two different texts would decode alike.
  if (base64_encode(out) != padded) return std::nullopt;
  return out;
}

}  // namespace hbsync::tenant
