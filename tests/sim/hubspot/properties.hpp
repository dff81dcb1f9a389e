// CRM object types and their property definitions, with the value rules
// HubSpot applies when a property is written.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api_error.hpp"

namespace hbsync::sim_hubspot {

enum class ObjectKind { deal, company };

// "deals", "deal", "0-3" and "companies", "company", "0-2" (case-insensitive,
// as HubSpot accepts them in paths).
std::optional<ObjectKind> parse_object_type(std::string_view text);
std::string_view plural(ObjectKind kind);    // deals, companies
std::string_view singular(ObjectKind kind);  // deal, company
std::string_view type_id(ObjectKind kind);   // 0-3, 0-2
std::string_view upper(ObjectKind kind);     // DEAL, COMPANY
ObjectKind other(ObjectKind kind);

struct PropertyOption {
  std::string label;
  std::string value;
  std::string description;
  int display_order = 0;
  bool hidden = false;
};

struct PropertyDef {
  std::string name;
  std::string label;
  std::string type;        // string, number, enumeration, bool, date, datetime, phone_number
  std::string field_type;  // text, textarea, number, select, date, ...
  std::string group_name;
  std::string description;
  std::vector<PropertyOption> options;
  int display_order = -1;
  bool hubspot_defined = false;
  bool read_only_value = false;
  bool has_unique_value = false;
  bool hidden = false;
  bool form_field = true;
  // Options come from portal data (pipelines, stages, owners), not `options`.
  bool dynamic_options = false;
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
};

std::vector<PropertyDef> default_properties(ObjectKind kind, int64_t now_ms);
// Returned by GET/search/batch read when no `properties` were asked for.
const std::vector<std::string>& default_returned_properties(ObjectKind kind);
// Always returned next to the asked-for properties.
const std::vector<std::string>& always_returned_properties();
const std::vector<std::string>& property_groups(ObjectKind kind);

// The text a JSON property value is stored as: strings as they are, numbers
// and booleans written out, null as "" (clears). nullopt for arrays and objects.
std::optional<std::string> property_text(const rapidjson::Value& value);

// Type rules of the definition (numbers, booleans, dates, fixed options).
// Rewrites `value` to its stored form (dates normalised). Dynamic options are
// checked by the caller. An empty value always passes (it clears).
std::optional<InvalidProperty> check_value(const PropertyDef& def, std::string& value);

// POST /crm/v3/properties/{objectType}: the definition, or the error.
PropertyDef parse_property_create(ObjectKind kind, const rapidjson::Value& body, int64_t now_ms);

}  // namespace hbsync::sim_hubspot
