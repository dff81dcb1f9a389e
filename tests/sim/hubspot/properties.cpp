#include "properties.hpp"

#include <algorithm>
#include <charconv>
#include <set>

#include "util.hpp"

namespace hbsync::sim_hubspot {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool is_decimal(std::string_view text) {
  size_t i = 0;
  if (i < text.size() && text[i] == '-') ++i;
  size_t digits_before = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i, ++digits_before;
  if (i < text.size() && text[i] == '.') {
    ++i;
    size_t digits_after = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      ++i;
      ++digits_after;
    }
    if (digits_after == 0) return false;
  }
  return digits_before > 0 && i == text.size();
}

PropertyDef def(std::string name, std::string label, std::string type, std::string field_type,
                std::string group, int order) {
  PropertyDef d;
  d.name = std::move(name);
  d.label = std::move(label);
  d.type = std::move(type);
  d.field_type = std::move(field_type);
  d.group_name = std::move(group);
  d.display_order = order;
  d.hubspot_defined = true;
  return d;
}

PropertyDef read_only(PropertyDef d) {
  d.read_only_value = true;
  d.form_field = false;
  return d;
}

PropertyDef dynamic(PropertyDef d) {
  d.dynamic_options = true;
  return d;
}

}  // namespace

std::optional<ObjectKind> parse_object_type(std::string_view text) {
  std::string t = lower(text);
  if (t == "deals" || t == "deal" || t == "0-3") return ObjectKind::deal;
  if (t == "companies" || t == "company" || t == "0-2") return ObjectKind::company;
  return std::nullopt;
}

std::string_view plural(ObjectKind kind) {
  return kind == ObjectKind::deal ? "deals" : "companies";
}
std::string_view singular(ObjectKind kind) {
  return kind == ObjectKind::deal ? "deal" : "company";
}
std::string_view type_id(ObjectKind kind) {
  return kind == ObjectKind::deal ? "0-3" : "0-2";
}
std::string_view upper(ObjectKind kind) {
  return kind == ObjectKind::deal ? "DEAL" : "COMPANY";
}
ObjectKind other(ObjectKind kind) {
  return kind == ObjectKind::deal ? ObjectKind::company : ObjectKind::deal;
}

std::vector<PropertyDef> default_properties(ObjectKind kind, int64_t now_ms) {
  std::vector<PropertyDef> defs;
  if (kind == ObjectKind::deal) {
    const std::string g = "dealinformation";
    defs.push_back(def("dealname", "Deal Name", "string", "text", g, 0));
    defs.push_back(def("amount", "Amount", "number", "number", g, 1));
    defs.push_back(dynamic(def("dealstage", "Deal Stage", "enumeration", "radio", g, 2)));
    defs.push_back(dynamic(def("pipeline", "Pipeline", "enumeration", "select", g, 3)));
    defs.push_back(def("closedate", "Close Date", "datetime", "date", g, 4));
    defs.push_back(dynamic(def("hubspot_owner_id", "Deal owner", "enumeration", "select", g, 5)));
    defs.push_back(def("description", "Deal Description", "string", "textarea", g, 6));
    PropertyDef type = def("dealtype", "Deal Type", "enumeration", "radio", g, 7);
    type.options = {{"New Business", "newbusiness", "", 0, false},
                    {"Existing Business", "existingbusiness", "", 1, false}};
    defs.push_back(type);
  } else {
    const std::string g = "companyinformation";
    defs.push_back(def("name", "Company name", "string", "text", g, 0));
    defs.push_back(def("domain", "Company Domain Name", "string", "text", g, 1));
    defs.push_back(def("website", "Website URL", "string", "text", g, 2));
    defs.push_back(def("phone", "Phone Number", "string", "phonenumber", g, 3));
    defs.push_back(def("address", "Street Address", "string", "text", g, 4));
    defs.push_back(def("address2", "Street Address 2", "string", "text", g, 5));
    defs.push_back(def("city", "City", "string", "text", g, 6));
    defs.push_back(def("state", "State/Region", "string", "text", g, 7));
    defs.push_back(def("zip", "Postal Code", "string", "text", g, 8));
    defs.push_back(def("country", "Country/Region", "string", "text", g, 9));
    defs.push_back(def("industry", "Industry", "string", "text", g, 10));
    defs.push_back(def("description", "Description", "string", "textarea", g, 11));
    defs.push_back(def("numberofemployees", "Number of Employees", "number", "number", g, 12));
    defs.push_back(def("annualrevenue", "Annual Revenue", "number", "number", g, 13));
    defs.push_back(
        dynamic(def("hubspot_owner_id", "Company owner", "enumeration", "select", g, 14)));
  }
  const std::string g = kind == ObjectKind::deal ? "dealinformation" : "companyinformation";
  defs.push_back(read_only(def("createdate", "Create Date", "datetime", "date", g, -1)));
  defs.push_back(
      read_only(def("hs_lastmodifieddate", "Last Modified Date", "datetime", "date", g, -1)));
  defs.push_back(read_only(def("hs_object_id", "Record ID", "number", "number", g, -1)));
  for (PropertyDef& d : defs) d.created_ms = d.updated_ms = now_ms;
  return defs;
}

const std::vector<std::string>& default_returned_properties(ObjectKind kind) {
  static const std::vector<std::string> deals = {"amount",       "closedate", "createdate",
                                                 "dealname",     "dealstage", "hs_lastmodifieddate",
                                                 "hs_object_id", "pipeline"};
  static const std::vector<std::string> companies = {"createdate", "domain", "hs_lastmodifieddate",
                                                     "hs_object_id", "name"};
  return kind == ObjectKind::deal ? deals : companies;
}

const std::vector<std::string>& always_returned_properties() {
  static const std::vector<std::string> names = {"createdate", "hs_lastmodifieddate",
                                                 "hs_object_id"};
  return names;
}

const std::vector<std::string>& property_groups(ObjectKind kind) {
  static const std::vector<std::string> deals = {"dealinformation", "deal_activity",
                                                 "analyticsinformation"};
  static const std::vector<std::string> companies = {
      "companyinformation", "company_activity", "analyticsinformation", "socialmediainformation"};
  return kind == ObjectKind::deal ? deals : companies;
}

std::optional<std::string> property_text(const rapidjson::Value& value) {
  if (value.IsString()) return std::string(value.GetString(), value.GetStringLength());
  if (value.IsNull()) return std::string();
  if (value.IsBool()) return std::string(value.GetBool() ? "true" : "false");
  if (value.IsInt64()) return std::to_string(value.GetInt64());
  if (value.IsUint64()) return std::to_string(value.GetUint64());
  if (value.IsDouble()) {
    char buffer[64];
    auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value.GetDouble());
    if (error != std::errc()) return std::nullopt;
    return std::string(buffer, end);
  }
  return std::nullopt;
}

std::optional<InvalidProperty> check_value(const PropertyDef& def, std::string& value) {
  if (value.empty()) return std::nullopt;
  if (def.type == "number") {
    if (!is_decimal(value)) {
      return InvalidProperty{def.name, "INVALID_DECIMAL", value + " was not a valid number."};
    }
  } else if (def.type == "bool") {
    std::string l = lower(value);
    if (l != "true" && l != "false") {
      return InvalidProperty{def.name, "INVALID_BOOLEAN", value + " was not a valid boolean."};
    }
    value = l;
  } else if (def.type == "datetime" || def.type == "date") {
    std::optional<int64_t> ms;
    if (auto epoch = parse_id(value)) {
      ms = *epoch;
    } else {
      ms = parse_iso8601(value);
    }
    if (!ms) {
      return InvalidProperty{def.name, "INVALID_DATE",
                             value +
                                 " is not a valid date. Use a Unix timestamp in "
                                 "milliseconds or an ISO 8601 date."};
    }
    if (def.type == "date") {
      if (*ms % 86400000 != 0) {
        return InvalidProperty{def.name, "INVALID_DATE",
                               value + " is not midnight UTC; date properties hold whole days."};
      }
      value = iso8601(*ms).substr(0, 10);
    } else {
      value = iso8601(*ms);
    }
  } else if (def.type == "enumeration" && !def.dynamic_options) {
    std::vector<std::string> chosen;
    if (def.field_type == "checkbox") {
      size_t start = 0;
      while (start <= value.size()) {
        size_t end = value.find(';', start);
        if (end == std::string::npos) end = value.size();
        chosen.push_back(value.substr(start, end - start));
        start = end + 1;
      }
    } else {
      chosen.push_back(value);
    }
    for (const std::string& c : chosen) {
      bool known = std::any_of(def.options.begin(), def.options.end(),
                               [&](const PropertyOption& o) { return o.value == c; });
      if (!known) {
        std::string allowed;
        for (const PropertyOption& o : def.options) {
          allowed += (allowed.empty() ? "" : ", ") + o.value;
        }
        return InvalidProperty{def.name, "INVALID_OPTION",
                               c + " was not one of the allowed options: [" + allowed + "]"};
      }
    }
  }
  return std::nullopt;
}

namespace {

bool valid_property_name(std::string_view name) {
  if (name.empty() || name.size() > 100) return false;
  if (!(name[0] >= 'a' && name[0] <= 'z')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

bool field_type_fits(const std::string& type, const std::string& field_type) {
  static const std::set<std::pair<std::string, std::string>> allowed = {
      {"string", "text"},          {"string", "textarea"},
      {"string", "html"},          {"string", "phonenumber"},
      {"string", "file"},          {"number", "number"},
      {"enumeration", "select"},   {"enumeration", "radio"},
      {"enumeration", "checkbox"}, {"enumeration", "booleancheckbox"},
      {"bool", "booleancheckbox"}, {"date", "date"},
      {"datetime", "date"},        {"phone_number", "phonenumber"}};
  return allowed.count({type, field_type}) > 0;
}

ApiError field_error(const std::string& field, const std::string& message) {
  ApiError error = validation_error(message);
  error.errors.push_back({message, "INVALID_INPUT", field, {}});
  return error;
}

std::string required_string(const rapidjson::Value& body, const char* field) {
  auto it = body.FindMember(field);
  if (it == body.MemberEnd() || !it->value.IsString() || it->value.GetStringLength() == 0) {
    throw field_error(field, std::string("Invalid input JSON: '") + field +
                                 "' is required and must be a non-empty string");
  }
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

}  // namespace

PropertyDef parse_property_create(ObjectKind kind, const rapidjson::Value& body, int64_t now_ms) {
  if (!body.IsObject()) throw validation_error("Invalid input JSON: expected an object");
  PropertyDef d;
  d.name = required_string(body, "name");
  d.label = required_string(body, "label");
  d.type = required_string(body, "type");
  d.field_type = required_string(body, "fieldType");
  d.group_name = required_string(body, "groupName");
  if (!valid_property_name(d.name)) {
    throw field_error("name", "Property name " + d.name +
                                  " is invalid: use lower-case letters, digits and underscores, "
                                  "starting with a letter");
  }
  if (d.name.rfind("hs_", 0) == 0) {
    throw field_error("name", "Property names starting with hs_ are reserved for HubSpot");
  }
  static const std::set<std::string> types = {"bool",   "date",         "datetime", "enumeration",
                                              "number", "phone_number", "string"};
  if (types.count(d.type) == 0) {
    throw field_error("type", "Invalid property type " + d.type);
  }
  static const std::set<std::string> field_types = {
      "booleancheckbox", "calculation_equation", "checkbox", "date",   "file", "html",
      "number",          "phonenumber",          "radio",    "select", "text", "textarea"};
  if (field_types.count(d.field_type) == 0) {
    throw field_error("fieldType", "Invalid fieldType " + d.field_type);
  }
  if (!field_type_fits(d.type, d.field_type)) {
    throw field_error("fieldType", "fieldType " + d.field_type +
                                       " is not compatible with property type " + d.type);
  }
  const auto& groups = property_groups(kind);
  if (std::find(groups.begin(), groups.end(), d.group_name) == groups.end()) {
    throw field_error("groupName", "Unable to find property group " + d.group_name);
  }
  if (auto it = body.FindMember("description"); it != body.MemberEnd()) {
    if (!it->value.IsString()) throw field_error("description", "description must be a string");
    d.description = it->value.GetString();
  }
  if (auto it = body.FindMember("displayOrder"); it != body.MemberEnd()) {
    if (!it->value.IsInt()) throw field_error("displayOrder", "displayOrder must be an integer");
    d.display_order = it->value.GetInt();
  }
  for (const char* flag : {"hasUniqueValue", "hidden", "formField"}) {
    auto it = body.FindMember(flag);
    if (it == body.MemberEnd()) continue;
    if (!it->value.IsBool()) throw field_error(flag, std::string(flag) + " must be a boolean");
    bool v = it->value.GetBool();
    if (std::string_view(flag) == "hasUniqueValue") d.has_unique_value = v;
    if (std::string_view(flag) == "hidden") d.hidden = v;
    if (std::string_view(flag) == "formField") d.form_field = v;
  }
  if (auto it = body.FindMember("options"); it != body.MemberEnd()) {
    if (!it->value.IsArray()) throw field_error("options", "options must be an array");
    int order = 0;
    for (const auto& o : it->value.GetArray()) {
      if (!o.IsObject() || !o.HasMember("label") || !o["label"].IsString() ||
          !o.HasMember("value") || !o["value"].IsString()) {
        throw field_error("options", "each option needs string label and value");
      }
      PropertyOption option{o["label"].GetString(), o["value"].GetString(), "", order++, false};
      if (o.HasMember("hidden") && o["hidden"].IsBool()) option.hidden = o["hidden"].GetBool();
      if (o.HasMember("displayOrder") && o["displayOrder"].IsInt()) {
        option.display_order = o["displayOrder"].GetInt();
      }
      d.options.push_back(std::move(option));
    }
  }
  if (d.type == "enumeration" && d.options.empty()) {
    throw field_error("options", "enumeration properties need at least one option");
  }
  if (d.type == "bool" && d.options.empty()) {
    d.options = {{"Yes", "true", "", 0, false}, {"No", "false", "", 1, false}};
  }
  d.created_ms = d.updated_ms = now_ms;
  return d;
}

}  // namespace hbsync::sim_hubspot
