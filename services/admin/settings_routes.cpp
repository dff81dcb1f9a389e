// Connections, stage mapping and settings (F1, F2, F6): docs/admin-api.yaml,
// section "connections, mapping, settings". One file per resource:
//   settings_document.cpp    GET/PUT /api/v1/settings
//   settings_board.cpp       PUT /api/v1/board/connection, GET /api/v1/board/users
//   settings_mapping.cpp     POST /api/v1/hubspot/pipelines/reload, GET/PUT /api/v1/stage-mapping
//   settings_properties.cpp  GET/POST /api/v1/hubspot/company-properties
// with what they share in settings_common.hpp (settings_messages.cpp: the
// Japanese for libs/tenant's validation messages).
#include "api.hpp"
#include "settings_common.hpp"

namespace hbsync::admin {

void add_settings_routes(Api& api, Services& services) {
  settings::add_document_routes(api, services);
  settings::add_board_routes(api, services);
  settings::add_pipeline_routes(api, services);
  settings::add_stage_mapping_routes(api, services);
  settings::add_property_routes(api, services);
}

}  // namespace hbsync::admin
