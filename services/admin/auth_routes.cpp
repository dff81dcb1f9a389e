// Sign-in (HubSpot OAuth), the session and disconnect: docs/admin-api.yaml.
#include "api.hpp"

namespace hbsync::admin {

void add_auth_routes(http::Router&, Api&, Services&) {}

}  // namespace hbsync::admin
