#include "event_batch.hpp"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cstring>
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

namespace {

// hbsync.v1.HubSpotEvent's wire format, written by hand (what
// SerializeAsString writes, compared byte for byte in the tests): proto3,
// fields in number order, zeros and empty strings omitted, negative
// integers as ten-byte varints, merged_object_ids packed. The generated
// serializer would also size every field twice over and check every
// string's UTF-8 again (the JSON parse checked it).
size_t varint_size(uint64_t v) {
  return static_cast<size_t>(std::bit_width(v | 1) + 6) / 7;
}

uint8_t* put_varint(uint8_t* p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<uint8_t>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<uint8_t>(v);
  return p;
}

constexpr uint32_t kVarint = 0;
constexpr uint32_t kLengthDelimited = 2;
uint64_t tag(uint32_t field, uint32_t wire_type) {
  return (field << 3) | wire_type;
}

// The fields of `e` in number order, to a Sizer or a Writer.
template <typename Out>
void visit_fields(const v1::HubSpotEvent& e, Out& out) {
  out.integer(1, e.portal_id());
  out.integer(2, e.event_id());
  out.integer(3, e.subscription_id());
  out.integer(4, e.app_id());
  out.string(5, e.subscription_type());
  out.integer(6, e.object_id());
  out.integer(7, e.occurred_at_ms());
  out.integer(8, e.attempt_number());  // int32: a negative one sign-extended
  out.string(9, e.change_source());
  out.string(10, e.property_name());
  out.string(11, e.property_value());
  out.string(12, e.association_type());
  out.integer(13, e.from_object_id());
  out.integer(14, e.to_object_id());
  out.integer(15, e.association_removed() ? 1 : 0);
  out.integer(16, e.is_primary_association() ? 1 : 0);
  out.integer(17, e.primary_object_id());
  out.packed(18, e.merged_object_ids());
  out.integer(19, e.new_object_id());
  out.integer(20, e.received_at_ms());
}

size_t packed_size(const google::protobuf::RepeatedField<int64_t>& values) {
  size_t size = 0;
  for (int64_t v : values) size += varint_size(static_cast<uint64_t>(v));
  return size;
}

struct Sizer {
  size_t size = 0;
  void integer(uint32_t field, int64_t v) {
    if (v != 0) size += varint_size(tag(field, kVarint)) + varint_size(static_cast<uint64_t>(v));
  }
  void string(uint32_t field, const std::string& s) {
    if (!s.empty())
      size += varint_size(tag(field, kLengthDelimited)) + varint_size(s.size()) + s.size();
  }
  void packed(uint32_t field, const google::protobuf::RepeatedField<int64_t>& values) {
    if (values.empty()) return;
    const size_t body = packed_size(values);
    size += varint_size(tag(field, kLengthDelimited)) + varint_size(body) + body;
  }
};

struct Writer {
  uint8_t* p;
  void integer(uint32_t field, int64_t v) {
    if (v == 0) return;
    p = put_varint(p, tag(field, kVarint));
    p = put_varint(p, static_cast<uint64_t>(v));
  }
  void string(uint32_t field, const std::string& s) {
    if (s.empty()) return;
    p = put_varint(p, tag(field, kLengthDelimited));
    p = put_varint(p, s.size());
    std::memcpy(p, s.data(), s.size());
    p += s.size();
  }
  void packed(uint32_t field, const google::protobuf::RepeatedField<int64_t>& values) {
    if (values.empty()) return;
    p = put_varint(p, tag(field, kLengthDelimited));
    p = put_varint(p, packed_size(values));
    for (int64_t v : values) p = put_varint(p, static_cast<uint64_t>(v));
  }
};

size_t event_size(const v1::HubSpotEvent& event) {
  Sizer sizer;
  visit_fields(event, sizer);
  return sizer.size;
}

}  // namespace

std::string encode_batch(const std::vector<ParsedEvent>& events,
                         const std::vector<size_t>& positions) {
  // HubSpotEventBatch.events = 1: each event as a length-delimited field.
  const uint64_t batch_tag = tag(1, kLengthDelimited);
  thread_local std::vector<size_t> sizes;
  sizes.clear();
  size_t total = 0;
  for (size_t i : positions) {
    sizes.push_back(event_size(*events[i].event));
    total += varint_size(batch_tag) + varint_size(sizes.back()) + sizes.back();
  }
  std::string out(total, '\0');
  Writer writer{reinterpret_cast<uint8_t*>(out.data())};
  for (size_t k = 0; k < positions.size(); ++k) {
    writer.p = put_varint(writer.p, batch_tag);
    writer.p = put_varint(writer.p, sizes[k]);
    visit_fields(*events[positions[k]].event, writer);
  }
  assert(writer.p == reinterpret_cast<uint8_t*>(out.data()) + out.size());
  return out;
}

}  // namespace hbsync::ingress
