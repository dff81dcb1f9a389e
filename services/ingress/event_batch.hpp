// A webhook request's events as hubspot.events messages: one
// HubSpotEventBatch per partition their keys go to, so a request costs at
// most the partition count of messages instead of one per event. Pure: the
// partitioner comes in as a function (kafka::Producer::partition_of).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "event_parser.hpp"

namespace hbsync::ingress {

struct PartitionGroup {
  int32_t partition = -1;
  std::vector<size_t> events;  // positions in the input, ascending
};

// The events (given by their keys) grouped by the partition `partition_of`
// gives their key: groups in the order of their first event, each group's
// events in input order. Every position is in exactly one group.
std::vector<PartitionGroup> group_by_partition(
    const std::vector<std::string_view>& keys,
    const std::function<int32_t(std::string_view)>& partition_of);

// The serialized hbsync.v1.HubSpotEventBatch of events[i] for i in
// `positions`, in that order (each event written in place from its record:
// no message is built).
std::string encode_batch(std::span<const ParsedEvent> events, std::span<const size_t> positions);

}  // namespace hbsync::ingress
