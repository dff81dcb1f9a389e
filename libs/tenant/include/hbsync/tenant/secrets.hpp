// Which settings are secret (kept encrypted by the Store, redacted in JSON),
// how to read and set them by name, and how secrets left out of an update are
// kept from the stored tenant.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "hbsync/tenant/model.hpp"

namespace hbsync::tenant {

// The values the Store keeps encrypted (hash `...:secrets`), named by their
// JSON path. In tenant.json each may be omitted or given as "(set)" to keep
// what is stored, or as null / "" / "(not set)" to clear it.
enum class SecretField {
  board_api_key,
  board_api_token,
  hubspot_access_token,
  hubspot_refresh_token,
  hubspot_expires_at_ms,  // not secret, but it changes with the tokens
  hubspot_user,           // personal data
};
std::span<const SecretField> secret_fields();
std::string_view path(SecretField field);  // "board.api_key", ...
std::optional<SecretField> parse_secret_field(std::string_view path);
// The value as stored (expires_at_ms as decimal text; "" when not set).
std::string secret_value(const Settings& settings, SecretField field);
// Throws std::invalid_argument for an expires_at_ms that is not a number.
void set_secret_value(Settings& settings, SecretField field, std::string value);

// What to do with secret values (and the installing user's e-mail) in JSON.
enum class Redaction {
  include,  // as they are: the tenant.json input form; never for logs or `tenant get`
  mask,     // "(set)" / "(not set)", nothing else (not even a length or last chars)
  omit,     // left out: what the Store keeps in `...:settings`
};

// Fills the `kept` fields of `incoming` from `stored` (the tenant as saved).
void keep_secrets(Settings& incoming, std::span<const SecretField> kept, const Settings& stored);

}  // namespace hbsync::tenant
