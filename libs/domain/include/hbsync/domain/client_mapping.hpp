// HubSpot company <-> board client fields (SPEC F3.3, F5, F6.2: 会社情報紐づけ
// 設定). Values come in as plain maps so callers parse JSON however they like,
// and nothing here keeps them (SPEC F9).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hbsync/domain/validation.hpp"

namespace hbsync::domain {

// The board client fields a HubSpot property can feed. Ids are board's JSON
// field names.
enum class ClientField {
  name,       // 顧客名 (required by board)
  name_disp,  // 顧客略称 (required by board)
  zip,        // 郵便番号
  pref,       // 都道府県
  address1,   // 住所 (市区町村・番地)
  address2,   // 住所 (建物名)
  tel,        // 電話番号
  fax,        // FAX番号
};

std::span<const ClientField> client_fields();
std::string_view field_id(ClientField field);  // "name", "name_disp", ...
std::string_view label(ClientField field);     // "顧客名", ...
std::optional<ClientField> parse_client_field(std::string_view id);

enum class FieldTransform {
  none,
  // abbreviate_company_name() with the mapping's word list.
  abbreviate,
  // Seven ASCII digits ("1500001") become board's hyphenated form
  // ("150-0001"); anything else is passed through as it is.
  postal_code,
};

std::string_view to_string(FieldTransform t);  // "none", "abbreviate", "postal_code"
std::optional<FieldTransform> parse_field_transform(std::string_view id);

struct FieldSource {
  std::string hubspot_property;  // internal name, e.g. "name", "phone"
  FieldTransform transform = FieldTransform::none;

  bool operator==(const FieldSource&) const = default;
};

// A default-constructed mapping maps nothing: start from defaults().
struct CompanyFieldMapping {
  // A board field not in the map is not sent.
  std::map<ClientField, FieldSource> fields;
  std::vector<std::string> abbreviation_words;

  // name->name, name(abbreviate)->name_disp, zip(postal_code)->zip,
  // phone->tel, state->pref, city->address1; the default word list.
  static CompanyFieldMapping defaults();

  // The company properties to request from HubSpot: sorted, each once.
  std::vector<std::string> hubspot_properties() const;

  bool operator==(const CompanyFieldMapping&) const = default;
};

// HubSpot property name -> value; a missing key and a null value mean the same.
using PropertyMap = std::map<std::string, std::optional<std::string>, std::less<>>;
// board client field -> value, as read from board.
using ClientValues = std::map<ClientField, std::optional<std::string>>;

enum class MappingStatus {
  ok,
  missing_name,  // no usable company/client name: board (and F5 linking) needs one
};

// "ok", "missing_company_name" (history reason code).
std::string_view reason_code(MappingStatus status);

struct ClientMapping {
  MappingStatus status = MappingStatus::ok;
  // Only fields with a value; on ok it always holds name and name_disp.
  // Empty on missing_name, so an invalid client cannot be sent by mistake.
  std::map<ClientField, std::string> fields;
};

// F3.3. Values that are empty or only spaces count as absent; values are sent
// as HubSpot has them (not trimmed, so exact-name matching against existing
// board clients sees the same text) except that invalid UTF-8 is sanitized.
// name_disp falls back to the abbreviated name when its own source is empty,
// because board rejects a client without it and the name is the obvious
// source. missing_name when the name source is absent or blank.
ClientMapping map_company_to_client(const PropertyMap& company, const CompanyFieldMapping& mapping);

struct CompanyProperties {
  MappingStatus status = MappingStatus::ok;
  // HubSpot property -> value, only properties with a value. Empty on
  // missing_name.
  std::map<std::string, std::string> properties;
};

// F5, the reverse: each mapped board field writes its property. Fields with
// the abbreviate transform are derived, so they are not written back; when
// two fields map to one property the one earlier in client_fields() wins
// (name before name_disp). postal_code is not undone: HubSpot's zip is free
// text and board's hyphenated form is fine there.
CompanyProperties map_client_to_company(const ClientValues& client,
                                        const CompanyFieldMapping& mapping);

// Settings check: name and name_disp mapped; property names non-empty ASCII
// letters, digits and underscores; abbreviate only on name_disp and
// postal_code only on zip (elsewhere they would corrupt the value, and the
// reverse mapping relies on name being the full name); the word list as in
// validate_abbreviation_words(). Paths: "<field>.fields.<field id>",
// "<field>.abbreviation_words[<i>]".
ValidationErrors validate_company_field_mapping(const CompanyFieldMapping& mapping,
                                                std::string_view field = "company_field_mapping");
// The same, plus every property must be one of `known_properties` (from
// GET /crm/v3/properties/companies).
ValidationErrors validate_company_field_mapping(const CompanyFieldMapping& mapping,
                                                std::span<const std::string> known_properties,
                                                std::string_view field = "company_field_mapping");

}  // namespace hbsync::domain
