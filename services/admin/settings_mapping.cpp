// POST /api/v1/hubspot/pipelines/reload (F1.3) and GET/PUT
// /api/v1/stage-mapping (F2). The mapping is read by tenant::from_json and
// checked by tenant::validate (libs/domain's one-to-one rule), as in
// `hbsync-ctl tenant apply`; nothing is saved when a rule is broken.
#include "hbsync/json/read.hpp"
#include "hbsync/log/log.hpp"
#include "settings_common.hpp"

namespace hbsync::admin::settings {

namespace {

http::Response reload_pipelines(Services& services, Call& call) {
  if (services.store.version(call.tenant_id) == 0) return tenant_not_found();
  hubspot::Portal portal =
      services.hubspot.portal(call.tenant_id, services.tokens.for_tenant(call.tenant_id));
  auto loaded = portal.deal_pipelines();
  if (!loaded) return hubspot_failure(call.tenant_id, loaded.error());
  std::vector<domain::HubSpotPipeline> pipelines;
  for (const auto& p : *loaded) {
    if (!p.archived) pipelines.push_back(p.to_domain());
  }
  // A mapping entry whose pipeline or stage HubSpot no longer has makes
  // tenant::validate refuse the save (unknown_pipeline / unknown_stage at
  // the entry's path): the admin removes those entries first.
  const ChangeResult saved = save_change(
      services.store, call.tenant_id,
      [&pipelines](tenant::Settings& s, tenant::ValidationErrors&) { s.pipelines = pipelines; });
  if (!saved.found) return tenant_not_found();
  if (!saved.put.ok()) return not_saved(saved.put);
  log::info("admin api: pipelines reloaded",
            {{"tenant", call.tenant_id}, {"pipelines", pipelines.size()}});

  rapidjson::StringBuffer out;
  Writer w(out);
  w.StartObject();
  write_key(w, "version");
  w.Int64(saved.put.version);
  write_key(w, "pipelines");
  write_pipelines(w, saved.saved.pipelines);
  w.EndObject();
  return json_ok(out.GetString());
}

void write_rows(Writer& w) {
  w.StartArray();
  for (auto row : domain::stage_rows()) {
    w.StartObject();
    write_key(w, "row");
    write_string(w, domain::row_id(row));
    write_key(w, "label");
    write_string(w, domain::label(row));
    if (auto status = domain::order_status_of(row)) {
      write_key(w, "code");
      w.Int(domain::code(*status));
    }
    w.EndObject();
  }
  w.EndArray();
}

void write_mapping(Writer& w, const domain::StageMapping& mapping) {
  w.StartObject();
  for (const auto& [pipeline_id, rows] : mapping.pipelines) {
    write_key(w, pipeline_id);
    w.StartObject();
    for (auto row : domain::stage_rows()) {
      auto it = rows.find(row);
      if (it == rows.end()) continue;
      write_key(w, domain::row_id(row));
      write_string(w, it->second);
    }
    w.EndObject();
  }
  w.EndObject();
}

http::Response get_mapping(Services& services, Call& call) {
  const auto stored = services.store.get(call.tenant_id);
  if (!stored) return tenant_not_found();
  rapidjson::StringBuffer out;
  Writer w(out);
  w.StartObject();
  write_key(w, "version");
  w.Int64(stored->version);
  write_key(w, "rows");
  write_rows(w);
  write_key(w, "pipelines");
  write_pipelines(w, stored->pipelines);
  write_key(w, "stage_mapping");
  write_mapping(w, stored->stage_mapping);
  w.EndObject();
  return json_ok(out.GetString());
}

// The body's stage_mapping read as tenant.json's (rows by id, board code or
// label; null = unmapped), with tenant.json's paths in the errors.
tenant::ParseResult read_mapping(const rapidjson::Value& mapping, const std::string& tenant_id) {
  rapidjson::StringBuffer out;
  Writer w(out);
  w.StartObject();
  write_key(w, "tenant_id");
  write_string(w, tenant_id);
  write_key(w, "stage_mapping");
  mapping.Accept(w);
  w.EndObject();
  return tenant::from_json(out.GetString(), tenant::UnknownFields::reject);
}

http::Response put_mapping(Services& services, Call& call) {
  std::optional<rapidjson::Document> parsed_body = json_body(call.request);
  if (!parsed_body) return bad_json();
  rapidjson::Document& body = *parsed_body;
  tenant::ValidationErrors errors = unknown_members(body, {"version", "stage_mapping"});
  const std::optional<int64_t> version = read_version(body, errors);
  const rapidjson::Value* mapping = json::find_member(body, "stage_mapping");
  if (mapping == nullptr || !mapping->IsObject()) {
    errors.push_back({"stage_mapping", "required",
                      "stage_mapping must be an object: pipeline id -> row -> stage id"});
  }
  if (!errors.empty()) return invalid(std::move(errors));
  tenant::ParseResult parsed = read_mapping(*mapping, call.tenant_id);
  if (!parsed.ok()) return invalid(std::move(parsed.errors), &parsed.settings.stage_mapping);

  auto stored = services.store.get(call.tenant_id);
  if (!stored) return tenant_not_found();
  stored->stage_mapping = std::move(parsed.settings.stage_mapping);
  const tenant::PutResult result = services.store.put(*stored, *version);
  if (!result.ok()) return not_saved(result, &stored->stage_mapping);
  return json_ok(version_body(result.version));
}

}  // namespace

void add_pipeline_routes(Api& api, Services& services) {
  api.add("POST", "/api/v1/hubspot/pipelines/reload",
          [&services](Call& call) { return reload_pipelines(services, call); });
}

void add_stage_mapping_routes(Api& api, Services& services) {
  api.add("GET", "/api/v1/stage-mapping",
          [&services](Call& call) { return get_mapping(services, call); });
  api.add("PUT", "/api/v1/stage-mapping",
          [&services](Call& call) { return put_mapping(services, call); });
}

}  // namespace hbsync::admin::settings
