// GET/PUT /api/v1/settings (F6): the whole tenant.json, masked, and saved
// exactly as `hbsync-ctl tenant apply` saves it (Store::apply_json), with
// two rules of the console on top: the document is the session's tenant, and
// credentials do not change here (board's through PUT /api/v1/board/connection,
// HubSpot's only through sign-in).
#include <rapidjson/document.h>

#include <algorithm>

#include "hbsync/json/read.hpp"
#include "settings_common.hpp"

namespace hbsync::admin::settings {

namespace {

std::string credential_message(tenant::SecretField field) {
  using tenant::SecretField;
  switch (field) {
    case SecretField::board_api_key:
    case SecretField::board_api_token:
      return "boardのAPIキーとAPIトークンはここでは変更できません。「board接続」から変更して"
             "ください (この項目は省略するか \"(set)\" のままにしてください)。";
    case SecretField::hubspot_user:
      return "HubSpotの接続ユーザーはHubSpotでサインインしたときにだけ変わります "
             "(この項目は省略するか \"(set)\" のままにしてください)。";
    default:
      return "HubSpotのトークンはHubSpotでサインインしたときにだけ変わります "
             "(この項目は省略するか \"(set)\" のままにしてください)。";
  }
}

// Credentials may be omitted or "(set)" (kept), or say "not set" where
// nothing is stored (what GET answers for them); anything else would change
// them and is refused by field.
tenant::ValidationErrors credential_changes(const tenant::ParseResult& parsed,
                                            const tenant::Settings& stored) {
  tenant::ValidationErrors errors;
  for (auto field : tenant::secret_fields()) {
    if (std::find(parsed.kept.begin(), parsed.kept.end(), field) != parsed.kept.end()) continue;
    const std::string path(tenant::path(field));
    const bool reported = std::any_of(parsed.errors.begin(), parsed.errors.end(),
                                      [&path](const auto& e) { return e.field == path; });
    const bool still_unset = tenant::secret_value(parsed.settings, field).empty() &&
                             tenant::secret_value(stored, field).empty();
    if (!reported && !still_unset) {
      errors.push_back({path, "credential_not_editable", credential_message(field)});
    }
  }
  return errors;
}

// The body's tenant_id, when given, must be the session's; when absent it is
// the session's. False (and an error) for another tenant's id, which is
// refused the same way whether that tenant exists or not.
bool own_tenant(rapidjson::Document& body, rapidjson::Value& settings, const std::string& tenant_id,
                tenant::ValidationErrors& errors) {
  const rapidjson::Value* given = json::find_member(settings, "tenant_id");
  if (given == nullptr) {
    settings.AddMember("tenant_id", rapidjson::Value(tenant_id.c_str(), body.GetAllocator()),
                       body.GetAllocator());
    return true;
  }
  std::string text;
  if (given->IsString()) text.assign(given->GetString(), given->GetStringLength());
  if (given->IsInt64()) text = std::to_string(given->GetInt64());
  if (text.empty() || text == tenant_id) return true;  // wrong types: from_json says
  errors.push_back(
      {"tenant_id", "tenant_mismatch",
       "サインインしているポータル (" + tenant_id + ") 以外のテナントの設定は保存できません。"});
  return false;
}

std::string serialized(const rapidjson::Value& value) {
  rapidjson::StringBuffer out;
  Writer w(out);
  value.Accept(w);
  return out.GetString();
}

http::Response get_settings(Services& services, Call& call) {
  const auto stored = services.store.get(call.tenant_id);
  if (!stored) return tenant_not_found();
  const std::string document =
      tenant::to_json(*stored, tenant::Redaction::mask, tenant::JsonStyle::compact);
  return json_ok("{\"version\":" + std::to_string(stored->version) + ",\"settings\":" + document +
                 "}");
}

http::Response put_settings(Services& services, Call& call) {
  std::optional<rapidjson::Document> parsed_body = json_body(call.request);
  if (!parsed_body) return bad_json();
  rapidjson::Document& body = *parsed_body;
  tenant::ValidationErrors errors = unknown_members(body, {"version", "settings"});
  const std::optional<int64_t> version = read_version(body, errors);
  auto* settings = body.HasMember("settings") ? &body["settings"] : nullptr;
  if (settings == nullptr || !settings->IsObject()) {
    errors.push_back({"settings", "required", "settings must be an object (tenant.json)"});
  }
  if (!errors.empty()) return invalid(std::move(errors));
  if (!own_tenant(body, *settings, call.tenant_id, errors)) return invalid(std::move(errors));

  const auto stored = services.store.get(call.tenant_id);
  if (!stored) return tenant_not_found();
  const std::string document = serialized(*settings);
  tenant::ParseResult parsed = tenant::from_json(document, tenant::UnknownFields::reject);
  errors = std::move(parsed.errors);
  for (auto& e : credential_changes(parsed, *stored)) errors.push_back(std::move(e));
  if (!errors.empty()) return invalid(std::move(errors), &parsed.settings.stage_mapping);

  const tenant::PutResult result = services.store.apply_json(document, *version);
  if (!result.ok()) return not_saved(result, &parsed.settings.stage_mapping);
  return json_ok(version_body(result.version));
}

}  // namespace

void add_document_routes(Api& api, Services& services) {
  api.add("GET", "/api/v1/settings",
          [&services](Call& call) { return get_settings(services, call); });
  api.add("PUT", "/api/v1/settings",
          [&services](Call& call) { return put_settings(services, call); });
}

}  // namespace hbsync::admin::settings
