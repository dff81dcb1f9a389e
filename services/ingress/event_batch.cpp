#include "event_batch.hpp"

#include <algorithm>
#include <cassert>
#include <iterator>

namespace hbsync::ingress {

std::vector<PortalGroup> group_by_portal(std::span<const ParsedEvent> events,
                                         std::span<const size_t> positions) {
  std::vector<PortalGroup> groups;
  for (size_t k = 0; k < positions.size(); ++k) {
    const size_t i = positions[k];
    const int64_t portal = events[i].event.portal_id;
    // Almost always one portal a request: a scan is cheapest.
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const PortalGroup& g) { return g.portal_id == portal; });
    if (it == groups.end()) {
      groups.push_back({.portal_id = portal, .events = {}});
      it = std::prev(groups.end());
      // Once, instead of growing by doubling (5-7 allocations a group).
      it->events.reserve(positions.size() - k);
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
    total += varint_size(kBatchTag) + varint_size(sizes.back()) + sizes.back();
  }
  std::string out(total, '\0');
  auto* p = reinterpret_cast<uint8_t*>(out.data());
  for (size_t k = 0; k < positions.size(); ++k) {
    p = put_varint(kBatchTag, p);
    p = put_varint(sizes[k], p);
    p = encode(events[positions[k]].event, p);
  }
  assert(p == reinterpret_cast<uint8_t*>(out.data()) + out.size());
  return out;
}

}  // namespace hbsync::ingress
