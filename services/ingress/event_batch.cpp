#include "event_batch.hpp"

#include <google/protobuf/io/coded_stream.h>

#include <algorithm>
#include <cassert>
#include <iterator>

namespace hbsync::ingress {

using google::protobuf::io::CodedOutputStream;

std::vector<PartitionGroup> group_by_partition(
    const std::vector<std::string_view>& keys,
    const std::function<int32_t(std::string_view)>& partition_of) {
  std::vector<PartitionGroup> groups;
  groups.reserve(std::min<size_t>(keys.size(), 16));  // partitions: a handful
  for (size_t i = 0; i < keys.size(); ++i) {
    const int32_t partition = partition_of(keys[i]);
    // A handful of groups (at most the partition count): a scan is cheapest.
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const PartitionGroup& g) { return g.partition == partition; });
    if (it == groups.end()) {
      groups.push_back({.partition = partition, .events = {}});
      it = std::prev(groups.end());
      // Once, instead of growing by doubling (5-7 allocations a group).
      it->events.reserve(keys.size() - i);
    }
    it->events.push_back(i);
  }
  return groups;
}

std::string encode_batch(std::span<const ParsedEvent> events, std::span<const size_t> positions) {
  // HubSpotEventBatch.events = 1: each event as a length-delimited field,
  // written from its record (event_record.hpp) with each event sized once.
  constexpr uint32_t kBatchTag = (1 << 3) | 2;
  thread_local std::vector<size_t> sizes;
  sizes.clear();
  size_t total = 0;
  for (size_t i : positions) {
    sizes.push_back(encoded_size(events[i].event));
    total += CodedOutputStream::VarintSize32(kBatchTag) +
             CodedOutputStream::VarintSize64(sizes.back()) + sizes.back();
  }
  std::string out(total, '\0');
  auto* p = reinterpret_cast<uint8_t*>(out.data());
  for (size_t k = 0; k < positions.size(); ++k) {
    p = CodedOutputStream::WriteVarint32ToArray(kBatchTag, p);
    p = CodedOutputStream::WriteVarint64ToArray(sizes[k], p);
    p = encode(events[positions[k]].event, p);
  }
  assert(p == reinterpret_cast<uint8_t*>(out.data()) + out.size());
  return out;
}

}  // namespace hbsync::ingress
