#include "event_record.hpp"

#include <bit>
#include <cstring>

namespace hbsync::ingress {

namespace {

// Wire types.
constexpr uint32_t kVarint = 0;
constexpr uint32_t kLengthDelimited = 2;

constexpr uint32_t tag(uint32_t field, uint32_t wire_type) {
  return (field << 3) | wire_type;
}

// proto3: a field at its default is not written. int64 and int32 are
// written as the 64-bit two's complement (a negative int32 too: 10 bytes).
size_t int_size(uint32_t field, int64_t v) {
  return v == 0 ? 0 : varint_size(tag(field, kVarint)) + varint_size(static_cast<uint64_t>(v));
}

size_t string_size(uint32_t field, std::string_view s) {
  return s.empty() ? 0
                   : varint_size(tag(field, kLengthDelimited)) + varint_size(s.size()) + s.size();
}

size_t bool_size(uint32_t field, bool v) {
  return v ? varint_size(tag(field, kVarint)) + 1 : 0;
}

size_t packed_payload_size(std::span<const int64_t> values) {
  size_t n = 0;
  for (int64_t v : values) n += varint_size(static_cast<uint64_t>(v));
  return n;
}

size_t packed_size(uint32_t field, std::span<const int64_t> values) {
  if (values.empty()) return 0;
  const size_t payload = packed_payload_size(values);
  return varint_size(tag(field, kLengthDelimited)) + varint_size(payload) + payload;
}

uint8_t* put_int(uint32_t field, int64_t v, uint8_t* out) {
  if (v == 0) return out;
  out = put_varint(tag(field, kVarint), out);
  return put_varint(static_cast<uint64_t>(v), out);
}

uint8_t* put_string(uint32_t field, std::string_view s, uint8_t* out) {
  if (s.empty()) return out;
  out = put_varint(tag(field, kLengthDelimited), out);
  out = put_varint(s.size(), out);
  std::memcpy(out, s.data(), s.size());
  return out + s.size();
}

uint8_t* put_bool(uint32_t field, bool v, uint8_t* out) {
  if (!v) return out;
  out = put_varint(tag(field, kVarint), out);
  *out++ = 1;
  return out;
}

uint8_t* put_packed(uint32_t field, std::span<const int64_t> values, uint8_t* out) {
  if (values.empty()) return out;
  out = put_varint(tag(field, kLengthDelimited), out);
  out = put_varint(packed_payload_size(values), out);
  for (int64_t v : values) out = put_varint(static_cast<uint64_t>(v), out);
  return out;
}

}  // namespace

// The field numbers are HubSpotEvent's (events.proto), in number order.
size_t encoded_size(const EventRecord& e) {
  return int_size(1, e.portal_id) + int_size(2, e.event_id) + int_size(3, e.subscription_id) +
         int_size(4, e.app_id) + string_size(5, e.subscription_type) + int_size(6, e.object_id) +
         int_size(7, e.occurred_at_ms) + int_size(8, e.attempt_number) +
         string_size(9, e.change_source) + string_size(10, e.property_name) +
         string_size(11, e.property_value) + string_size(12, e.association_type) +
         int_size(13, e.from_object_id) + int_size(14, e.to_object_id) +
         bool_size(15, e.association_removed) + bool_size(16, e.is_primary_association) +
         int_size(17, e.primary_object_id) + packed_size(18, e.merged_object_ids) +
         int_size(19, e.new_object_id) + int_size(20, e.received_at_ms);
}

uint8_t* encode(const EventRecord& e, uint8_t* out) {
  out = put_int(1, e.portal_id, out);
  out = put_int(2, e.event_id, out);
  out = put_int(3, e.subscription_id, out);
  out = put_int(4, e.app_id, out);
  out = put_string(5, e.subscription_type, out);
  out = put_int(6, e.object_id, out);
  out = put_int(7, e.occurred_at_ms, out);
  out = put_int(8, e.attempt_number, out);
  out = put_string(9, e.change_source, out);
  out = put_string(10, e.property_name, out);
  out = put_string(11, e.property_value, out);
  out = put_string(12, e.association_type, out);
  out = put_int(13, e.from_object_id, out);
  out = put_int(14, e.to_object_id, out);
  out = put_bool(15, e.association_removed, out);
  out = put_bool(16, e.is_primary_association, out);
  out = put_int(17, e.primary_object_id, out);
  out = put_packed(18, e.merged_object_ids, out);
  out = put_int(19, e.new_object_id, out);
  return put_int(20, e.received_at_ms, out);
}

std::string encode(const EventRecord& e) {
  std::string out(encoded_size(e), '\0');
  encode(e, reinterpret_cast<uint8_t*>(out.data()));
  return out;
}

}  // namespace hbsync::ingress
