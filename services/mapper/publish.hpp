// Publishing a command to sync.commands: the one way both mapper paths
// (hubspot.events, board.changes) do it.
#pragma once

#include <string>

#include "hbsync/kafka/producer.hpp"
#include "hbsync/service/outcome.hpp"
#include "hbsync/v1/events.pb.h"

namespace hbsync::mapper {

// Keyed by command_key(); `replay` (the hbsync-replay header, "" none) goes
// on with it. Done once Kafka acknowledged it, a retry otherwise; logs the
// command (ids and codes only).
service::Outcome publish_command(kafka::Producer& producer, const std::string& topic,
                                 const v1::SyncCommand& command, const std::string& replay);

}  // namespace hbsync::mapper
