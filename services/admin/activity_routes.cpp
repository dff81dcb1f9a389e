// History, retries, sync now and bulk company sync (F4.1, F5, F7):
// docs/admin-api.yaml.
#include "api.hpp"

namespace hbsync::admin {

void add_activity_routes(Api&, Services&) {}

}  // namespace hbsync::admin
