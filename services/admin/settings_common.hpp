// What the settings route modules share (settings_*.cpp, SPEC F1, F2, F6;
// docs/admin-api.yaml "connections, mapping, settings"): reading bodies,
// the answers they have in common, saving a change under the version guard,
// and the JSON pieces several routes write.
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api.hpp"
#include "hbsync/tenant/settings.hpp"
#include "hbsync/tenant/store.hpp"

namespace hbsync::admin::settings {

// The route groups (each file adds its own).
void add_document_routes(Api& api, Services& services);       // settings_document.cpp
void add_board_routes(Api& api, Services& services);          // settings_board.cpp
void add_pipeline_routes(Api& api, Services& services);       // settings_mapping.cpp
void add_stage_mapping_routes(Api& api, Services& services);  // settings_mapping.cpp
void add_property_routes(Api& api, Services& services);       // settings_properties.cpp

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

// Members of a body other than `allowed`: one "unknown_field" error each, at
// the member's name (a typo must not be silently ignored).
tenant::ValidationErrors unknown_members(const rapidjson::Value& object,
                                         const std::vector<std::string_view>& allowed);

// The body's "version": a whole number >= 0, else an error at "version".
std::optional<int64_t> read_version(const rapidjson::Value& body, tenant::ValidationErrors& errors);

// 404 "not_found": the session's tenant is gone.
http::Response tenant_not_found();
// 409 "version_conflict".
http::Response version_conflict();
// 422 "validation" with Japanese messages (settings_messages.cpp); for a
// stage used twice, both rows carry the error so the console can mark both.
http::Response invalid(tenant::ValidationErrors errors,
                       const domain::StageMapping* mapping = nullptr);
// A failed Store::put / apply_json: 409 for a version conflict, else 422.
http::Response not_saved(const tenant::PutResult& result,
                         const domain::StageMapping* mapping = nullptr);

// Libraries' English validation messages with a Japanese sentence in front
// (settings_messages.cpp); messages already in Japanese are kept.
tenant::ValidationErrors in_japanese(tenant::ValidationErrors errors);

// A change to one part of the settings (board credentials, pipelines, the
// link property), applied to the freshest stored settings and saved with
// that version as the guard; read again and reapplied when someone saved in
// between, a few times, then the conflict is answered. `change` may add
// errors to refuse (nothing is saved then).
using Change = std::function<void(tenant::Settings&, tenant::ValidationErrors&)>;
struct ChangeResult {
  bool found = false;  // false: no such tenant
  tenant::PutResult put;
  tenant::Settings saved;  // the settings written (when put.ok())
};
ChangeResult save_change(tenant::Store& store, const std::string& tenant_id, const Change& change);

// Answers for an upstream that could not be asked.
http::Response hubspot_failure(const std::string& tenant_id, const hubspot::Error& error);

// JSON pieces.
void write_string(Writer& w, std::string_view text);
void write_key(Writer& w, std::string_view key);
void write_pipelines(Writer& w, const std::vector<domain::HubSpotPipeline>& pipelines);
// {"version": n}
std::string version_body(int64_t version);

}  // namespace hbsync::admin::settings
