#include "hbsync/tenant/amount.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <stdexcept>

namespace hbsync::tenant {
namespace {

std::string amount_context(std::string_view tenant_id, int64_t deal_id) {
  return "deal_amount:" + std::string(tenant_id) + ":" + std::to_string(deal_id);
}

}  // namespace

std::string Keyring::digest(std::string_view data, std::string_view context) const {
  if (keys_.empty()) throw std::logic_error("keyring has no keys");
  const Key& key = keys_[active_];
  std::string message(context);
  message.push_back('\0');
  message.append(data);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), key.bytes.data(), static_cast<int>(key.bytes.size()),
           reinterpret_cast<const unsigned char*>(message.data()), message.size(), out,
           &len) == nullptr) {
    throw std::runtime_error("HMAC failed");
  }
  static constexpr char hex[] = "0123456789abcdef";
  std::string text = key.id + ":";
  for (unsigned int i = 0; i < 16 && i < len; ++i) {
    text.push_back(hex[out[i] >> 4]);
    text.push_back(hex[out[i] & 0xf]);
  }
  return text;
}

std::string seal_amount(const Keyring& keyring, std::string_view tenant_id, int64_t deal_id,
                        std::string_view amount) {
  return keyring.encrypt(amount, amount_context(tenant_id, deal_id));
}

std::optional<std::string> open_amount(const Keyring& keyring, std::string_view tenant_id,
                                       int64_t deal_id, std::string_view sealed) {
  if (sealed.empty() || keyring.empty()) return std::nullopt;
  try {
    return keyring.decrypt(sealed, amount_context(tenant_id, deal_id));
  } catch (const DecryptError&) {
    return std::nullopt;
  }
}

std::string amount_digest(const Keyring& keyring, std::string_view tenant_id, int64_t deal_id,
                          std::string_view amount) {
  return keyring.digest(amount, amount_context(tenant_id, deal_id));
}

}  // namespace hbsync::tenant
