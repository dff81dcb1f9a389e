#include "hbsync/tenant/crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <memory>

#include "base64.hpp"

namespace hbsync::tenant {

namespace {

constexpr std::string_view envelope_version = "v1";
constexpr size_t nonce_size = 12;
constexpr size_t tag_size = 16;
constexpr size_t max_key_id_size = 32;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool valid_key_id(std::string_view id) {
  if (id.empty() || id.size() > max_key_id_size) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

struct Envelope {
  std::string_view key_id;
  std::string_view header;  // "v1.<kid>." - authenticated with the data
  std::string_view payload;
};

bool split_envelope(std::string_view text, Envelope& out) {
  size_t first = text.find('.');
  if (first == std::string_view::npos || text.substr(0, first) != envelope_version) return false;
  size_t second = text.find('.', first + 1);
  if (second == std::string_view::npos) return false;
  out.key_id = text.substr(first + 1, second - first - 1);
  out.header = text.substr(0, second + 1);
  out.payload = text.substr(second + 1);
  return valid_key_id(out.key_id);
}

struct CipherContextFree {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, CipherContextFree>;

CipherContext new_context() {
  CipherContext ctx(EVP_CIPHER_CTX_new());
  if (!ctx) throw std::bad_alloc();
  return ctx;
}

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// OpenSSL takes int lengths; credentials are tiny, but a caller passing
// gigabytes must not wrap around.
int int_size(size_t n) {
  if (n > static_cast<size_t>(INT32_MAX)) throw std::length_error("value too large to encrypt");
  return static_cast<int>(n);
}

}  // namespace

Keyring::~Keyring() {
  for (auto& key : keys_) OPENSSL_cleanse(key.bytes.data(), key.bytes.size());
}

Keyring Keyring::parse(std::string_view keys, std::string_view active_key_id) {
  Keyring ring;
  size_t position = 0;
  std::string_view rest = keys;
  while (true) {
    size_t comma = rest.find(',');
    std::string_view item = trim(rest.substr(0, comma));
    if (!item.empty()) {
      ++position;
      const std::string where = "key " + std::to_string(position);
      size_t colon = item.find(':');
      if (colon == std::string_view::npos) {
        throw KeyringError(keys_variable,
                           where +
                               " is not \"<key id>:<base64 key>\" (generate a key with "
                               "`openssl rand -base64 32`)");
      }
      std::string_view id = trim(item.substr(0, colon));
      std::string_view encoded = trim(item.substr(colon + 1));
      if (!valid_key_id(id)) {
        throw KeyringError(keys_variable,
                           where + " has an invalid key id: use 1-32 of A-Z a-z 0-9 _ -");
      }
      if (ring.find(id) != nullptr) {
        throw KeyringError(keys_variable, "key id \"" + std::string(id) + "\" is listed twice");
      }
      auto decoded = base64_decode(encoded);
      if (!decoded) {
        throw KeyringError(keys_variable, "key \"" + std::string(id) + "\" is not valid base64");
      }
      if (decoded->size() != key_size) {
        size_t got = decoded->size();
        OPENSSL_cleanse(decoded->data(), decoded->size());
        throw KeyringError(keys_variable, "key \"" + std::string(id) + "\" decodes to " +
                                              std::to_string(got) +
                                              " bytes; AES-256 needs exactly 32 (generate one "
                                              "with `openssl rand -base64 32`)");
      }
      ring.keys_.push_back({std::string(id), std::move(*decoded)});
    }
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  if (ring.keys_.empty()) {
    throw KeyringError(keys_variable,
                       "is required: list at least one \"<key id>:<base64 key>\" (generate a key "
                       "with `openssl rand -base64 32`)");
  }
  active_key_id = trim(active_key_id);
  if (!active_key_id.empty()) {
    const Key* active = ring.find(active_key_id);
    if (active == nullptr) {
      throw KeyringError(active_variable, "names key id \"" + std::string(active_key_id) +
                                              "\", which is not in " + keys_variable);
    }
    ring.active_ = static_cast<size_t>(active - ring.keys_.data());
  }
  return ring;
}

Keyring Keyring::load(config::Loader& loader, Need need) {
  std::string keys = loader.secret(
      keys_variable, "",
      need == Need::required
          ? "Credential encryption keys, \"kid:<base64 32 bytes>,...\" (required; generate with "
            "`openssl rand -base64 32`)"
          : "Credential encryption keys, \"kid:<base64 32 bytes>,...\" "
            "(without them tenant settings cannot be read)");
  std::string active =
      loader.str(active_variable, "", "Key id used for new encryptions (default: the first key)");
  if (need == Need::optional && keys.empty()) return {};
  try {
    Keyring ring = parse(keys, active);
    OPENSSL_cleanse(keys.data(), keys.size());
    return ring;
  } catch (const KeyringError& e) {
    OPENSSL_cleanse(keys.data(), keys.size());
    loader.reject(e.variable(), e.message());
    return {};
  }
}

std::string Keyring::generate_key() {
  std::array<unsigned char, key_size> key{};
  if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1) {
    throw std::runtime_error("no randomness available for a new key");
  }
  std::string encoded =
      base64_encode(std::string_view(reinterpret_cast<const char*>(key.data()), key.size()));
  OPENSSL_cleanse(key.data(), key.size());
  return encoded;
}

const Keyring::Key* Keyring::find(std::string_view key_id) const {
  for (const auto& key : keys_) {
    if (key.id == key_id) return &key;
  }
  return nullptr;
}

const std::string& Keyring::active_key_id() const {
  static const std::string none;
  return keys_.empty() ? none : keys_[active_].id;
}

std::vector<std::string> Keyring::key_ids() const {
  std::vector<std::string> ids;
  for (const auto& key : keys_) ids.push_back(key.id);
  return ids;
}

bool Keyring::has_key(std::string_view key_id) const {
  return find(key_id) != nullptr;
}

std::string Keyring::encrypt(std::string_view plaintext, std::string_view associated_data) const {
  if (keys_.empty()) throw std::logic_error("no encryption key configured");
  const Key& key = keys_[active_];
  const std::string header = std::string(envelope_version) + "." + key.id + ".";
  const std::string aad = header + std::string(associated_data);

  std::string sealed(nonce_size + plaintext.size() + tag_size, '\0');
  auto* out = reinterpret_cast<unsigned char*>(sealed.data());
  if (RAND_bytes(out, nonce_size) != 1) throw std::runtime_error("no randomness for a nonce");

  CipherContext ctx = new_context();
  int len = 0;
  bool ok = EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, nonce_size, nullptr) == 1 &&
            EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, bytes(key.bytes), out) == 1 &&
            EVP_EncryptUpdate(ctx.get(), nullptr, &len, bytes(aad), int_size(aad.size())) == 1 &&
            EVP_EncryptUpdate(ctx.get(), out + nonce_size, &len, bytes(plaintext),
                              int_size(plaintext.size())) == 1 &&
            EVP_EncryptFinal_ex(ctx.get(), out + nonce_size + len, &len) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, tag_size,
                                out + nonce_size + plaintext.size()) == 1;
  if (!ok) throw std::runtime_error("AES-256-GCM encryption failed");
  return header + base64_encode(sealed);
}

std::string Keyring::decrypt(std::string_view envelope, std::string_view associated_data) const {
  using Reason = DecryptError::Reason;
  Envelope parts;
  if (!split_envelope(envelope, parts)) {
    throw DecryptError(Reason::malformed,
                       "not an encrypted value (expected \"v1.<key id>.<data>\")");
  }
  const Key* key = find(parts.key_id);
  if (key == nullptr) {
    throw DecryptError(Reason::unknown_key, "encrypted with key id \"" + std::string(parts.key_id) +
                                                "\", which is not in " + keys_variable +
                                                " (was it removed before rotate_keys ran?)");
  }
  auto sealed = base64_decode(parts.payload);
  if (!sealed || sealed->size() < nonce_size + tag_size) {
    throw DecryptError(Reason::malformed, "encrypted value is truncated or not base64");
  }
  const std::string aad = std::string(parts.header) + std::string(associated_data);
  const size_t text_size = sealed->size() - nonce_size - tag_size;
  const auto* in = reinterpret_cast<unsigned char*>(sealed->data());
  std::string plaintext(text_size, '\0');
  auto* out = reinterpret_cast<unsigned char*>(plaintext.data());

  CipherContext ctx = new_context();
  int len = 0;
  bool ok = EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, nonce_size, nullptr) == 1 &&
            EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, bytes(key->bytes), in) == 1 &&
            EVP_DecryptUpdate(ctx.get(), nullptr, &len, bytes(aad), int_size(aad.size())) == 1 &&
            EVP_DecryptUpdate(ctx.get(), out, &len, in + nonce_size, int_size(text_size)) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, tag_size,
                                const_cast<unsigned char*>(in + nonce_size + text_size)) == 1;
  // The tag is checked only by the final call; nothing decrypted leaves this
  // function unless it passes.
  if (!ok || EVP_DecryptFinal_ex(ctx.get(), out + len, &len) != 1) {
    OPENSSL_cleanse(plaintext.data(), plaintext.size());
    throw DecryptError(Reason::authentication,
                       "encrypted value failed authentication: it was altered, or it belongs to "
                       "another tenant or field");
  }
  return plaintext;
}

bool Keyring::needs_rotation(std::string_view envelope) const {
  Envelope parts;
  if (!split_envelope(envelope, parts)) return true;
  return keys_.empty() || parts.key_id != keys_[active_].id;
}

std::string envelope_key_id(std::string_view envelope) {
  Envelope parts;
  if (!split_envelope(envelope, parts)) return {};
  return std::string(parts.key_id);
}

namespace {
std::string deal_name_aad(std::string_view tenant_id, int64_t deal_id) {
  return "hbsync:deal_name:" + std::string(tenant_id) + ":" + std::to_string(deal_id);
}
}  // namespace

std::string seal_deal_name(const Keyring& keyring, std::string_view tenant_id, int64_t deal_id,
                           std::string_view name) {
  return keyring.encrypt(name, deal_name_aad(tenant_id, deal_id));
}

std::optional<std::string> open_deal_name(const Keyring& keyring, std::string_view tenant_id,
                                          int64_t deal_id, std::string_view sealed) {
  if (sealed.empty() || keyring.empty()) return std::nullopt;
  try {
    return keyring.decrypt(sealed, deal_name_aad(tenant_id, deal_id));
  } catch (const DecryptError&) {
    return std::nullopt;
  }
}

}  // namespace hbsync::tenant
