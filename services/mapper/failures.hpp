// Failed calls as pipeline outcomes, shared by the mapper's two paths.
#pragma once

#include <string>
#include <string_view>

#include "hbsync/history/history.hpp"
#include "hbsync/hubspot/api.hpp"
#include "hbsync/service/outcome.hpp"
#include "hbsync/service/pipeline.hpp"

namespace hbsync::mapper {

// A Redis call that failed: retried (logged).
service::Outcome redis_failure(std::string_view what, const std::string& text);
// A HubSpot call that failed: retried when HubSpot says so, else a dead
// letter (logged, without the body HubSpot answered).
service::Outcome hubspot_failure(const hubspot::Error& error, std::string_view what);

// A dead-lettered message of a known tenant as a `failed` history entry
// (SPEC F7: the tenant sees every failure, and the console's retry replays
// the dead letter it names). `entry` carries the direction and ids; the
// reason, message, attempts and dead letter come from the outcome. Best
// effort: the dead letter is the record, so a Redis error is logged, not
// retried (a retry would dead-letter the message twice).
void record_failure(history::History& history, const std::string& tenant_id,
                    const kafka::Message& message, const service::Settled& settled,
                    history::Entry entry);

}  // namespace hbsync::mapper
