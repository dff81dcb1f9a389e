// Tenant settings in Redis, credentials encrypted (SPEC F1, F6, F9, section 3).
//
// Redis layout (one tenant = one HubSpot portal id, e.g. 12345678):
//   hbsync:tenants                     set of tenant ids
//   hbsync:tenant:<id>:settings        string: to_json(settings, Redaction::omit), compact.
//                                      No credentials and no personal data: pipeline and
//                                      stage labels, property names, options, hub_domain.
//   hbsync:tenant:<id>:secrets         hash: secret path -> envelope "v1.<kid>.<base64>"
//                                      (crypto.hpp), fields board.api_key, board.api_token,
//                                      hubspot.access_token, hubspot.refresh_token,
//                                      hubspot.expires_at_ms, hubspot.user (the installing
//                                      user's e-mail is personal data, so it is encrypted
//                                      too). Associated data "hbsync:tenant:<id>:<field>", so
//                                      an envelope moved to another tenant or field fails.
//                                      Unset values have no field.
//   hbsync:tenant:<id>:meta            hash: version (+1 on every write), updated_at_ms.
//   hbsync:tenants:version             counter, +1 on any tenant write or removal: one GET
//                                      tells a cache whether anything changed at all.
//   channel hbsync:tenants:changed     PUBLISH <tenant id> after each write or removal.
//   hbsync:instance                    string: a random id, set (if absent) by every tenant
//                                      write. It tells one Redis data set from another: a
//                                      service that saw it and then finds it gone knows
//                                      Redis lost its data (restarted without persistence,
//                                      wiped) and stops (docs/operations.md, "Redis:
//                                      durability, loss detection and recovery").
//
// Every write is one Lua script, so a reader (which also reads through one
// script) never sees settings without their secrets, or a version that does
// not match them. Keys carry no Redis Cluster hash tag: the client speaks to
// one Redis (or a replicated primary), and the tenants set is written together
// with the tenant's own keys.
//
// Other tenant data (links, history, idempotency keys, rate limits) lives
// under hbsync:tenant:<id>:... too but belongs to other libraries; remove()
// deletes only the keys above.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hbsync/redis/redis.hpp"
#include "hbsync/tenant/crypto.hpp"
#include "hbsync/tenant/keys.hpp"
#include "hbsync/tenant/settings.hpp"

namespace hbsync::tenant {

struct PutResult {
  // Empty when saved. Validation problems, or one "version_conflict" error
  // when `expected_version` did not match; nothing was written then.
  ValidationErrors errors;
  int64_t version = 0;  // the new version when saved

  bool ok() const { return errors.empty(); }
};

class Store {
 public:
  // Names from keys.hpp.
  static constexpr const char* kTenantsKey = keys::kTenants;
  static constexpr const char* kTenantsVersionKey = keys::kTenantsVersion;
  static constexpr const char* kChangesChannel = keys::kChangesChannel;
  static constexpr const char* kInstanceKey = keys::kInstance;
  static std::string settings_key(const std::string& tenant_id);
  static std::string secrets_key(const std::string& tenant_id);
  static std::string meta_key(const std::string& tenant_id);

  // Both must outlive the Store.
  Store(redis::Client& redis, const Keyring& keyring);

  const Keyring& keyring() const { return keyring_; }

  // Validates, then writes settings and secrets in one step. With
  // `expected_version`, saves only if the stored version still is that (0 =
  // the tenant must not exist yet), so two editors cannot silently overwrite
  // each other. Throws redis::Error when Redis fails.
  [[nodiscard]] PutResult put(const Settings& settings,
                              std::optional<int64_t> expected_version = std::nullopt);

  // tenant.json as `hbsync-ctl tenant apply` and the admin API take it:
  // parse (unknown fields rejected), keep secrets the document left out or
  // gave as "(set)" from the stored tenant, validate, put.
  [[nodiscard]] PutResult apply_json(const std::string& json,
                                     std::optional<int64_t> expected_version = std::nullopt);

  // nullopt when there is no such tenant (or the id is not a portal id).
  // Throws DecryptError naming the tenant and field when a credential cannot
  // be decrypted (key removed too early, value altered), redis::Error.
  std::optional<Settings> get(const std::string& tenant_id);

  // Cheap change check for caches: 0 when the tenant does not exist.
  int64_t version(const std::string& tenant_id);
  int64_t tenants_version();

  // The instance marker (kInstanceKey), nullopt when Redis has none: no
  // tenant was ever applied to this data set, or the data was lost. Throws
  // redis::Error.
  std::optional<std::string> instance_marker();

  // Tenant ids, in numeric order.
  std::vector<std::string> list();

  // Deletes the tenant's settings, secrets and meta; false if it did not exist.
  bool remove(const std::string& tenant_id);

  // For the OAuth refresh and disconnect (F1.2): replaces just the tokens,
  // without revalidating or rewriting the rest. Empty values are deleted.
  // Bumps the version. False when the tenant does not exist.
  bool put_hubspot_tokens(const std::string& tenant_id, const std::string& access_token,
                          const std::string& refresh_token, int64_t expires_at_ms);

  // Re-encrypts every credential not written with the active key; returns
  // how many values were rewritten. A value changed meanwhile (a token
  // refresh) is left alone: it is already under the active key. Does not bump
  // versions, since no setting changed. After it returns 0 with no errors,
  // the old keys can be removed from HBSYNC_ENCRYPTION_KEYS.
  int rotate_keys();

 private:
  static std::string associated_data(const std::string& tenant_id, SecretField field);

  redis::Client& redis_;
  const Keyring& keyring_;
};

}  // namespace hbsync::tenant
