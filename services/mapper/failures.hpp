// Failed calls as pipeline outcomes, shared by the mapper's two paths.
#pragma once

#include <string>
#include <string_view>

#include "hbsync/hubspot/api.hpp"
#include "hbsync/service/outcome.hpp"

namespace hbsync::mapper {

// A Redis call that failed: retried (logged).
service::Outcome redis_failure(std::string_view what, const std::string& text);
// A HubSpot call that failed: retried when HubSpot says so, else a dead
// letter (logged, without the body HubSpot answered).
service::Outcome hubspot_failure(const hubspot::Error& error, std::string_view what);

}  // namespace hbsync::mapper
