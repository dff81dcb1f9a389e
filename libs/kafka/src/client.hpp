// Pieces shared by the producer and the consumer (not public).
#pragma once

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hbsync/kafka/options.hpp"

namespace hbsync::kafka::detail {

using Properties = std::vector<std::pair<std::string, std::string>>;

// A configuration: `defaults`, then the user's extra properties, then
// `enforced` (the settings our delivery guarantees rest on). Also routes
// librdkafka's own log lines into hbsync::log. Throws std::runtime_error
// naming the rejected property (never its value).
rd_kafka_conf_t* make_conf(const ClientOptions& client, const Properties& defaults,
                           const Properties& enforced);

// Creates the handle; takes ownership of conf. Throws std::runtime_error.
rd_kafka_t* make_handle(rd_kafka_type_t type, rd_kafka_conf_t* conf);

// A metadata round trip to any broker within timeout.
bool metadata_ready(rd_kafka_t* rk, std::chrono::milliseconds timeout);

// The message's headers as (name, value) views into the message, in order; a
// header without a value gives an empty view. Valid while `m` is.
std::vector<std::pair<std::string_view, std::string_view>> headers_of(const rd_kafka_message_t* m);

}  // namespace hbsync::kafka::detail
