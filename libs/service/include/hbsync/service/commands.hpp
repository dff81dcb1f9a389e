// Names of SyncCommand actions for logs, metrics labels and messages: the
// domain's command kinds ("sync_deal", "record_skip", ...), "unknown" for a
// command without an action.
#pragma once

#include <string_view>

#include "hbsync/v1/events.pb.h"

namespace hbsync::service {

std::string_view command_kind(const v1::SyncCommand& command);

}  // namespace hbsync::service
