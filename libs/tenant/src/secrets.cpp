#include "hbsync/tenant/secrets.hpp"

#include <array>
#include <charconv>
#include <stdexcept>

namespace hbsync::tenant {

namespace {

constexpr std::array kSecretFields = {
    SecretField::board_api_key,         SecretField::board_api_token,
    SecretField::hubspot_access_token,  SecretField::hubspot_refresh_token,
    SecretField::hubspot_expires_at_ms, SecretField::hubspot_user,
};

}  // namespace

std::span<const SecretField> secret_fields() {
  return kSecretFields;
}

std::string_view path(SecretField field) {
  switch (field) {
    case SecretField::board_api_key:
      return "board.api_key";
    case SecretField::board_api_token:
      return "board.api_token";
    case SecretField::hubspot_access_token:
      return "hubspot.access_token";
    case SecretField::hubspot_refresh_token:
      return "hubspot.refresh_token";
    case SecretField::hubspot_expires_at_ms:
      return "hubspot.expires_at_ms";
    case SecretField::hubspot_user:
      return "hubspot.user";
  }
  return "";
}

std::optional<SecretField> parse_secret_field(std::string_view text) {
  for (auto field : kSecretFields) {
    if (path(field) == text) return field;
  }
  return std::nullopt;
}

std::string secret_value(const Settings& s, SecretField field) {
  switch (field) {
    case SecretField::board_api_key:
      return s.board.api_key;
    case SecretField::board_api_token:
      return s.board.api_token;
    case SecretField::hubspot_access_token:
      return s.hubspot.access_token;
    case SecretField::hubspot_refresh_token:
      return s.hubspot.refresh_token;
    case SecretField::hubspot_expires_at_ms:
      return s.hubspot.expires_at_ms == 0 ? std::string() : std::to_string(s.hubspot.expires_at_ms);
    case SecretField::hubspot_user:
      return s.hubspot.user;
  }
  return {};
}

void set_secret_value(Settings& s, SecretField field, std::string value) {
  switch (field) {
    case SecretField::board_api_key:
      s.board.api_key = std::move(value);
      return;
    case SecretField::board_api_token:
      s.board.api_token = std::move(value);
      return;
    case SecretField::hubspot_access_token:
      s.hubspot.access_token = std::move(value);
      return;
    case SecretField::hubspot_refresh_token:
      s.hubspot.refresh_token = std::move(value);
      return;
    case SecretField::hubspot_expires_at_ms: {
      int64_t ms = 0;
      if (!value.empty()) {
        auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), ms);
        if (ec != std::errc() || end != value.data() + value.size()) {
          throw std::invalid_argument("hubspot.expires_at_ms is not a number");
        }
      }
      s.hubspot.expires_at_ms = ms;
      return;
    }
    case SecretField::hubspot_user:
      s.hubspot.user = std::move(value);
      return;
  }
}

void keep_secrets(Settings& incoming, std::span<const SecretField> kept, const Settings& stored) {
  for (auto field : kept) set_secret_value(incoming, field, secret_value(stored, field));
}

}  // namespace hbsync::tenant
