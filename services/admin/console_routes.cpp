// The console's static files (services/admin/console/), embedded in the binary.
#include "api.hpp"

namespace hbsync::admin {

void add_console_routes(http::Router&) {}

}  // namespace hbsync::admin
