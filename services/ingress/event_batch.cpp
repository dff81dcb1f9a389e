#include "event_batch.hpp"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include <algorithm>
#include <iterator>

namespace hbsync::ingress {

std::vector<PartitionGroup> group_by_partition(
    const std::vector<std::string_view>& keys,
    const std::function<int32_t(std::string_view)>& partition_of) {
  std::vector<PartitionGroup> groups;
  for (size_t i = 0; i < keys.size(); ++i) {
    const int32_t partition = partition_of(keys[i]);
    // A handful of groups (at most the partition count): a scan is cheapest.
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const PartitionGroup& g) { return g.partition == partition; });
    if (it == groups.end()) {
      groups.push_back({.partition = partition, .events = {}});
      it = std::prev(groups.end());
    }
    it->events.push_back(i);
  }
  return groups;
}

std::string encode_batch(const std::vector<ParsedEvent>& events,
                         const std::vector<size_t>& positions) {
  using google::protobuf::internal::WireFormatLite;
  using google::protobuf::io::CodedOutputStream;
  // HubSpotEventBatch.events = 1: each event as a length-delimited field.
  constexpr uint32_t kTag = (1u << 3) | WireFormatLite::WIRETYPE_LENGTH_DELIMITED;
  size_t total = 0;
  for (size_t i : positions) {
    const size_t size = events[i].event->ByteSizeLong();  // cached for the write below
    total += CodedOutputStream::VarintSize32(kTag) +
             CodedOutputStream::VarintSize32(static_cast<uint32_t>(size)) + size;
  }
  std::string out(total, '\0');
  auto* p = reinterpret_cast<uint8_t*>(out.data());
  for (size_t i : positions) {
    const auto& event = *events[i].event;
    p = CodedOutputStream::WriteVarint32ToArray(kTag, p);
    p = CodedOutputStream::WriteVarint32ToArray(static_cast<uint32_t>(event.GetCachedSize()), p);
    p = event.SerializeWithCachedSizesToArray(p);
  }
  return out;
}

}  // namespace hbsync::ingress
