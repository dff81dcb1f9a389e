// Encryption at rest for tenant credentials: AES-256-GCM with named keys, so
// keys can be rotated without a flag day.
//
// Keys come from the environment, never from Redis or the image:
//   HBSYNC_ENCRYPTION_KEYS        (secret, required) "kid1:<base64 of 32 bytes>,kid2:<...>"
//   HBSYNC_ENCRYPTION_ACTIVE_KEY  key id used for new encryptions (default: the first listed)
// Generate a key with:   openssl rand -base64 32
// Key ids: 1-32 of [A-Za-z0-9_-] (they appear in stored envelopes, so no '.').
//
// Rotation: add the new key to HBSYNC_ENCRYPTION_KEYS and make it active (every
// replica; old envelopes stay readable because the old key is still listed),
// run `Store::rotate_keys()` (hbsync-ctl), then drop the old key.
//
// Envelope (text, safe in JSON and Redis): "v1.<kid>.<base64(nonce | ciphertext | tag)>"
// with a random 12-byte nonce and a 16-byte tag. The GCM associated data is the
// envelope header plus the caller's `associated_data` (tenant + field), so a
// value copied to another tenant or field, or re-labelled with another key id,
// fails authentication instead of decrypting.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "hbsync/config/config.hpp"

namespace hbsync::tenant {

// A bad HBSYNC_ENCRYPTION_* value. what() is "<variable>: <message>"; neither
// ever contains key material.
class KeyringError : public std::invalid_argument {
 public:
  KeyringError(std::string variable, const std::string& message)
      : std::invalid_argument(variable + ": " + message),
        variable_(std::move(variable)),
        message_(message) {}
  const std::string& variable() const { return variable_; }
  const std::string& message() const { return message_; }

 private:
  std::string variable_;
  std::string message_;
};

// Why an envelope could not be opened. Messages name the key id at most,
// never plaintext or key material.
class DecryptError : public std::runtime_error {
 public:
  enum class Reason {
    malformed,       // not a "v1.<kid>.<base64>" envelope of a possible length
    unknown_key,     // its key id is not in the keyring (removed too early?)
    authentication,  // altered, or opened with the wrong associated data (other tenant/field)
  };
  DecryptError(Reason reason, const std::string& message)
      : std::runtime_error(message), reason_(reason) {}
  Reason reason() const { return reason_; }

 private:
  Reason reason_;
};

class Keyring {
 public:
  static constexpr size_t key_size = 32;
  static constexpr const char* keys_variable = "HBSYNC_ENCRYPTION_KEYS";
  static constexpr const char* active_variable = "HBSYNC_ENCRYPTION_ACTIVE_KEY";

  // The one way a program loads the keyring from its environment.
  enum class Need { required, optional };
  // Declares both variables on `loader`. Bad values (and, when required, no
  // keys) are reported through loader.reject (finish() then stops the
  // program); the keyring returned in that case is empty and every
  // encrypt/decrypt on it throws. Optional: no keys gives an empty keyring.
  static Keyring load(config::Loader& loader, Need need = Need::required);

  // `keys` in the HBSYNC_ENCRYPTION_KEYS format; an empty `active_key_id`
  // means the first key. Throws KeyringError.
  static Keyring parse(std::string_view keys, std::string_view active_key_id = {});

  // 32 random bytes in base64, the same as `openssl rand -base64 32`.
  static std::string generate_key();

  Keyring() = default;
  ~Keyring();
  Keyring(const Keyring&) = default;
  Keyring& operator=(const Keyring&) = default;
  Keyring(Keyring&&) = default;
  Keyring& operator=(Keyring&&) = default;

  bool empty() const { return keys_.empty(); }
  const std::string& active_key_id() const;
  std::vector<std::string> key_ids() const;
  bool has_key(std::string_view key_id) const;

  // Throws std::logic_error on an empty keyring, std::runtime_error when the
  // system has no randomness (never expected).
  std::string encrypt(std::string_view plaintext, std::string_view associated_data) const;
  // Throws DecryptError.
  std::string decrypt(std::string_view envelope, std::string_view associated_data) const;
  // A keyed digest (HMAC-SHA256 with the active key, 16 bytes in hex,
  // prefixed "<kid>:") of `data` in `context`: tells whether a value is the
  // one seen before without keeping the value (SPEC F9: e.g. a deal amount),
  // and cannot be reversed by trying likely values without the key. Another
  // active key gives another digest (a value then looks new once).
  // Throws std::logic_error on an empty keyring.
  std::string digest(std::string_view data, std::string_view context) const;
  // True unless the envelope was written with the active key (a malformed
  // envelope counts as needing attention too).
  bool needs_rotation(std::string_view envelope) const;

 private:
  struct Key {
    std::string id;
    std::string bytes;  // key_size bytes; wiped on destruction
  };
  const Key* find(std::string_view key_id) const;

  std::vector<Key> keys_;
  size_t active_ = 0;
};

// Key id of an envelope ("" when it is not a v1 envelope).
std::string envelope_key_id(std::string_view envelope);

// A deal name carried in a sync command (SyncDealToProject.sealed_deal_name):
// encrypted so that no personal data crosses Kafka in clear, and bound to its
// tenant and deal (a sealed name copied to another deal fails to open).
std::string seal_deal_name(const Keyring& keyring, std::string_view tenant_id, int64_t deal_id,
                           std::string_view name);
// nullopt when the envelope cannot be opened (key retired, altered, other deal).
std::optional<std::string> open_deal_name(const Keyring& keyring, std::string_view tenant_id,
                                          int64_t deal_id, std::string_view sealed);

}  // namespace hbsync::tenant
