#include "hbsync/domain/client_mapping.hpp"

#include <algorithm>
#include <array>
#include <set>

#include "hbsync/domain/abbreviation.hpp"
#include "hbsync/domain/text.hpp"

namespace hbsync::domain {
namespace {

constexpr std::array kClientFields = {
    ClientField::name,     ClientField::name_disp, ClientField::zip, ClientField::pref,
    ClientField::address1, ClientField::address2,  ClientField::tel, ClientField::fax,
};

// The value when present and not blank, sanitized.
std::optional<std::string> usable(const std::optional<std::string>* value) {
  if (value == nullptr || !value->has_value() || trim_spaces(**value).empty()) return std::nullopt;
  return sanitize_utf8(**value);
}

const std::optional<std::string>* lookup(const PropertyMap& props, std::string_view name) {
  const auto it = props.find(name);
  return it == props.end() ? nullptr : &it->second;
}

std::string postal_code(std::string value) {
  const bool seven_digits =
      value.size() == 7 &&
      std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (seven_digits) value.insert(3, "-");
  return value;
}

std::string apply(FieldTransform t, std::string value, const std::vector<std::string>& words) {
  switch (t) {
    case FieldTransform::none:
      return value;
    case FieldTransform::abbreviate:
      return abbreviate_company_name(value, words);
    case FieldTransform::postal_code:
      return postal_code(std::move(value));
  }
  return value;
}

bool valid_property_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

std::string field_path(std::string_view field, ClientField f) {
  return std::string(field) + ".fields." + std::string(field_id(f));
}

ValidationErrors validate(const CompanyFieldMapping& mapping,
                          const std::span<const std::string>* known, std::string_view field) {
  ValidationErrors errors;
  for (ClientField required : {ClientField::name, ClientField::name_disp}) {
    if (!mapping.fields.contains(required)) {
      errors.push_back({field_path(field, required), "required",
                        "board の" + std::string(label(required)) + " (" +
                            std::string(field_id(required)) +
                            ") は必須項目です。連携元の HubSpot プロパティを選択してください。"});
    }
  }
  for (const auto& [f, source] : mapping.fields) {
    const std::string path = field_path(field, f) + ".hubspot_property";
    const std::string& prop = source.hubspot_property;
    const std::string target = std::string(label(f)) + " (" + std::string(field_id(f)) + ")";
    if (source.transform == FieldTransform::abbreviate && f != ClientField::name_disp) {
      errors.push_back({std::string(field_path(field, f)) + ".transform", "transform_not_allowed",
                        target + " には略称変換 (abbreviate) を使えません。顧客略称 (name_disp) "
                                 "だけに使えます。"});
    } else if (source.transform == FieldTransform::postal_code && f != ClientField::zip) {
      errors.push_back({std::string(field_path(field, f)) + ".transform", "transform_not_allowed",
                        target + " には郵便番号変換 (postal_code) を使えません。郵便番号 (zip) "
                                 "だけに使えます。"});
    }
    if (prop.empty()) {
      errors.push_back({path, "empty", target + " の連携元 HubSpot プロパティが空です。"});
    } else if (!valid_property_name(prop)) {
      errors.push_back({path, "invalid_property_name",
                        target + " の連携元「" + sanitize_utf8(prop) +
                            "」は HubSpot プロパティの内部名ではありません (英数字と _ のみ)。"});
    } else if (known != nullptr && std::find(known->begin(), known->end(), prop) == known->end()) {
      errors.push_back({path, "unknown_property",
                        target + " の連携元 HubSpot プロパティ「" + prop +
                            "」が HubSpot の会社プロパティにありません。"});
    }
  }
  for (auto& e : validate_abbreviation_words(mapping.abbreviation_words,
                                             std::string(field) + ".abbreviation_words")) {
    errors.push_back(std::move(e));
  }
  return errors;
}

}  // namespace

std::span<const ClientField> client_fields() {
  return kClientFields;
}

std::string_view field_id(ClientField field) {
  switch (field) {
    case ClientField::name:
      return "name";
    case ClientField::name_disp:
      return "name_disp";
    case ClientField::zip:
      return "zip";
    case ClientField::pref:
      return "pref";
    case ClientField::address1:
      return "address1";
    case ClientField::address2:
      return "address2";
    case ClientField::tel:
      return "tel";
    case ClientField::fax:
      return "fax";
  }
  return "";
}

std::string_view label(ClientField field) {
  switch (field) {
    case ClientField::name:
      return "顧客名";
    case ClientField::name_disp:
      return "顧客略称";
    case ClientField::zip:
      return "郵便番号";
    case ClientField::pref:
      return "都道府県";
    case ClientField::address1:
      return "住所(市区町村・番地)";
    case ClientField::address2:
      return "住所(建物名)";
    case ClientField::tel:
      return "電話番号";
    case ClientField::fax:
      return "FAX番号";
  }
  return "";
}

std::optional<ClientField> parse_client_field(std::string_view id) {
  for (ClientField f : kClientFields) {
    if (field_id(f) == id) return f;
  }
  return std::nullopt;
}

std::string_view to_string(FieldTransform t) {
  switch (t) {
    case FieldTransform::none:
      return "none";
    case FieldTransform::abbreviate:
      return "abbreviate";
    case FieldTransform::postal_code:
      return "postal_code";
  }
  return "none";
}

std::optional<FieldTransform> parse_field_transform(std::string_view id) {
  for (FieldTransform t :
       {FieldTransform::none, FieldTransform::abbreviate, FieldTransform::postal_code}) {
    if (to_string(t) == id) return t;
  }
  return std::nullopt;
}

CompanyFieldMapping CompanyFieldMapping::defaults() {
  CompanyFieldMapping m;
  m.fields = {
      {ClientField::name, {"name", FieldTransform::none}},
      {ClientField::name_disp, {"name", FieldTransform::abbreviate}},
      {ClientField::zip, {"zip", FieldTransform::postal_code}},
      {ClientField::tel, {"phone", FieldTransform::none}},
      {ClientField::pref, {"state", FieldTransform::none}},
      {ClientField::address1, {"city", FieldTransform::none}},
  };
  m.abbreviation_words = default_abbreviation_words();
  return m;
}

std::vector<std::string> CompanyFieldMapping::hubspot_properties() const {
  std::set<std::string> names;
  for (const auto& [f, source] : fields) {
    if (!source.hubspot_property.empty()) names.insert(source.hubspot_property);
  }
  return {names.begin(), names.end()};
}

std::string_view reason_code(MappingStatus status) {
  return status == MappingStatus::ok ? "ok" : "missing_company_name";
}

ClientMapping map_company_to_client(const PropertyMap& company,
                                    const CompanyFieldMapping& mapping) {
  ClientMapping out;
  for (const auto& [f, source] : mapping.fields) {
    if (auto value = usable(lookup(company, source.hubspot_property))) {
      out.fields[f] = apply(source.transform, std::move(*value), mapping.abbreviation_words);
    }
  }
  const auto name = out.fields.find(ClientField::name);
  if (name == out.fields.end()) return {MappingStatus::missing_name, {}};
  if (!out.fields.contains(ClientField::name_disp)) {
    out.fields[ClientField::name_disp] =
        abbreviate_company_name(name->second, mapping.abbreviation_words);
  }
  return out;
}

CompanyProperties map_client_to_company(const ClientValues& client,
                                        const CompanyFieldMapping& mapping) {
  CompanyProperties out;
  for (ClientField f : kClientFields) {
    const auto source = mapping.fields.find(f);
    if (source == mapping.fields.end()) continue;
    if (source->second.transform == FieldTransform::abbreviate) continue;
    const std::string& prop = source->second.hubspot_property;
    if (prop.empty() || out.properties.contains(prop)) continue;
    const auto value = client.find(f);
    if (auto v = usable(value == client.end() ? nullptr : &value->second)) {
      out.properties[prop] = std::move(*v);
    }
  }
  const auto name_source = mapping.fields.find(ClientField::name);
  if (name_source == mapping.fields.end() ||
      !out.properties.contains(name_source->second.hubspot_property)) {
    return {MappingStatus::missing_name, {}};
  }
  return out;
}

ValidationErrors validate_company_field_mapping(const CompanyFieldMapping& mapping,
                                                std::string_view field) {
  return validate(mapping, nullptr, field);
}

ValidationErrors validate_company_field_mapping(const CompanyFieldMapping& mapping,
                                                std::span<const std::string> known_properties,
                                                std::string_view field) {
  return validate(mapping, &known_properties, field);
}

}  // namespace hbsync::domain
