// The console's static files (services/admin/console/), embedded at build
// time by embed_console.cmake into a generated console_assets.cpp.
#pragma once

#include <string_view>
#include <vector>

namespace hbsync::admin::console {

struct Asset {
  std::string_view name;  // file name in services/admin/console/, e.g. "app.js"
  std::string_view body;  // its bytes
};

// Every file of services/admin/console/, sorted by name.
const std::vector<Asset>& assets();

}  // namespace hbsync::admin::console
