// Connections, stage mapping and settings (F1, F2, F6): docs/admin-api.yaml.
#include "api.hpp"

namespace hbsync::admin {

void add_settings_routes(Api&, Services&) {}

}  // namespace hbsync::admin
