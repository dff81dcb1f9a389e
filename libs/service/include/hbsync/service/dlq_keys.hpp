// The names around the dead-letter topic, in one place: the Redis key of the
// replay marks and the Kafka header naming a dlq message's type. Written by
// the services (dead_letter.hpp) and by `hbsync-ctl dlq` (services/ctl).
#pragma once

#include <string_view>

namespace hbsync::service::dlq {

// Redis hash: "<partition>:<offset>" of a dlq message -> epoch ms of its
// replay (`hbsync-ctl dlq replay`).
inline constexpr const char* kReplayedKey = "hbsync:dlq:replayed";

// Kafka header naming the message type of a dlq message, and its value for
// a hbsync.v1.DeadLetter.
inline constexpr const char* kSchemaHeader = "hbsync-schema";
inline constexpr std::string_view kDeadLetterSchema = "hbsync.v1.DeadLetter";

}  // namespace hbsync::service::dlq
