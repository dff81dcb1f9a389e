// The JSON form of Settings: tenant.json (see libs/tenant/README.md), the
// admin API's body and what the Store keeps in Redis.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "hbsync/tenant/model.hpp"
#include "hbsync/tenant/secrets.hpp"

namespace hbsync::tenant {

// Two-space indented for people; compact for storage.
enum class JsonStyle { pretty, compact };

std::string to_json(const Settings& settings, Redaction redaction,
                    JsonStyle style = JsonStyle::pretty);

// Unknown fields: tenant.json and the admin API reject them (a typo such as
// "amount_snyc" must not silently keep the default); data read back from
// Redis ignores them, so a replica one release behind still reads settings
// written by a newer one.
enum class UnknownFields { reject, ignore };

struct ParseResult {
  Settings settings;  // defaults where a value was missing or wrong
  // Syntax and type problems with their JSON paths; not the validate() rules.
  ValidationErrors errors;
  // Secret fields to take from the stored tenant (omitted or "(set)").
  std::vector<SecretField> kept;

  bool ok() const { return errors.empty(); }
};

// Never throws on bad input: invalid JSON, invalid UTF-8, wrong types,
// unknown enum values and unknown stage-mapping rows all come back as errors.
// Rows may be given by id ("order_5", "invoiced"), by board code ("5") or
// by Japanese label ("受注済", "見積中(高)", also with full-width parentheses).
ParseResult from_json(std::string_view json, UnknownFields unknown = UnknownFields::reject);

}  // namespace hbsync::tenant
