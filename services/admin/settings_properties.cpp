// GET/POST /api/v1/hubspot/company-properties (F6.1): the company
// properties that can hold the board link, and creating one for it. Which
// names may hold the link is tenant::validate's rule (hubspot.link_property);
// it runs before anything is created in HubSpot.
#include <algorithm>

#include "hbsync/domain/text.hpp"
#include "hbsync/json/read.hpp"
#include "hbsync/log/log.hpp"
#include "settings_common.hpp"

namespace hbsync::admin::settings {

namespace {

constexpr size_t kMaxLabelSize = 256;  // bytes, as tenant::validate allows for text

// HubSpot-defined (hs_...) properties are refused as the link by
// tenant::validate, so they are not offered.
bool can_hold_link(const hubspot::PropertyDefinition& p) {
  return p.single_line_text() && p.name.rfind("hs_", 0) != 0;
}

void write_property(Writer& w, const hubspot::PropertyDefinition& p) {
  w.StartObject();
  write_key(w, "name");
  write_string(w, p.name);
  write_key(w, "label");
  write_string(w, p.label);
  write_key(w, "type");
  write_string(w, p.type);
  write_key(w, "field_type");
  write_string(w, p.field_type);
  w.EndObject();
}

hubspot::Portal portal_of(Services& services, const std::string& tenant_id) {
  return services.hubspot.portal(tenant_id, services.tokens.for_tenant(tenant_id));
}

http::Response list_properties(Services& services, Call& call) {
  const auto stored = services.store.get(call.tenant_id);
  if (!stored) return tenant_not_found();
  auto properties = portal_of(services, call.tenant_id).company_properties();
  if (!properties) return hubspot_failure(call.tenant_id, properties.error());
  rapidjson::StringBuffer out;
  Writer w(out);
  w.StartObject();
  write_key(w, "link_property");
  write_string(w, stored->hubspot.link_property);
  write_key(w, "properties");
  w.StartArray();
  for (const auto& p : *properties) {
    if (can_hold_link(p)) write_property(w, p);
  }
  w.EndArray();
  w.EndObject();
  return json_ok(out.GetString());
}

// The body's name and label, and every problem with them. The name's rules
// are tenant::validate's for hubspot.link_property, checked on the settings
// as they would be saved, and reported at "name".
tenant::ValidationErrors check_new_property(const rapidjson::Value& body,
                                            const tenant::Settings& stored,
                                            hubspot::NewProperty& property) {
  tenant::ValidationErrors errors = unknown_members(body, {"name", "label"});
  property.name = json::member_string(body, "name").value_or("");
  property.label = json::member_string(body, "label").value_or("");
  if (property.name.empty()) {
    errors.push_back({"name", "required", "プロパティの内部名を入力してください。"});
  } else {
    tenant::Settings chosen = stored;
    chosen.hubspot.link_property = property.name;
    // Worded for hubspot.link_property first, then moved to the body's field.
    for (auto& e : in_japanese(tenant::validate(chosen))) {
      if (e.field == "hubspot.link_property") e.field = "name";
      errors.push_back(std::move(e));
    }
  }
  const bool control = std::any_of(property.label.begin(), property.label.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
  });
  if (property.label.empty() || control || property.label.size() > kMaxLabelSize) {
    errors.push_back({"label", "invalid_label",
                      "プロパティの表示名を入力してください (改行などの制御文字を含まず、" +
                          std::to_string(kMaxLabelSize) + "バイト以内)。"});
  }
  return errors;
}

// HubSpot refused the property: 422 at "name" when the admin can fix it by
// choosing another name, else the upstream failure.
http::Response create_refused(const std::string& tenant_id, const hubspot::Error& error,
                              const std::string& name) {
  if (error.kind == hubspot::Error::conflict) {
    return invalid({{"name", "property_type_mismatch",
                     "会社プロパティ「" + domain::sanitize_utf8(name) +
                         "」はすでにあり、1行テキストではないためリンク表示用に使えません。"
                         "別の名前にしてください。"}});
  }
  if (error.kind == hubspot::Error::validation) {
    return invalid({{"name", "hubspot_rejected",
                     "HubSpotがこのプロパティを作成できませんでした。内部名と表示名を確認して"
                     "ください。"}});
  }
  return hubspot_failure(tenant_id, error);
}

http::Response create_property(Services& services, Call& call) {
  std::optional<rapidjson::Document> parsed_body = json_body(call.request);
  if (!parsed_body) return bad_json();
  rapidjson::Document& body = *parsed_body;
  const auto stored = services.store.get(call.tenant_id);
  if (!stored) return tenant_not_found();
  hubspot::NewProperty wanted;
  if (auto errors = check_new_property(body, *stored, wanted); !errors.empty()) {
    return invalid(std::move(errors));
  }
  auto created = portal_of(services, call.tenant_id).create_company_property(wanted);
  if (!created) return create_refused(call.tenant_id, created.error(), wanted.name);

  const ChangeResult saved =
      save_change(services.store, call.tenant_id,
                  [&wanted](tenant::Settings& s, auto&) { s.hubspot.link_property = wanted.name; });
  if (!saved.found) return tenant_not_found();
  if (!saved.put.ok()) return not_saved(saved.put);
  log::info("admin api: link property chosen",
            {{"tenant", call.tenant_id}, {"already_existed", created->already_existed}});

  rapidjson::StringBuffer out;
  Writer w(out);
  w.StartObject();
  write_key(w, "version");
  w.Int64(saved.put.version);
  write_key(w, "property");
  write_property(w, created->property);
  w.EndObject();
  return http::Response::json(201, out.GetString());
}

}  // namespace

void add_property_routes(Api& api, Services& services) {
  api.add("GET", "/api/v1/hubspot/company-properties",
          [&services](Call& call) { return list_properties(services, call); });
  api.add("POST", "/api/v1/hubspot/company-properties",
          [&services](Call& call) { return create_property(services, call); });
}

}  // namespace hbsync::admin::settings
