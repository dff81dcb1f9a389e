// One accepted webhook event as ingress publishes it: the fields of
// hbsync.v1.HubSpotEvent (proto/hbsync/v1/events.proto), its strings and
// merged ids pointing into the ParseResult that owns them, and its wire
// format written straight from them. No protobuf message is built on the
// request path (no arena, no std::string per string field, no second UTF-8
// check when serialising: the parser checked every string already).
//
// The wire format is HubSpotEvent's, byte for byte what protobuf writes
// (fields in number order, proto3 defaults left out, merged ids packed);
// event_record_test walks HubSpotEvent's descriptor and fails when a field
// of the message is missing here or written differently.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "hbsync/v1/events.pb.h"

namespace hbsync::ingress {

struct EventRecord {
  int64_t portal_id = 0;
  int64_t event_id = 0;
  int64_t subscription_id = 0;
  int64_t app_id = 0;
  std::string_view subscription_type;
  int64_t object_id = 0;
  int64_t occurred_at_ms = 0;
  int32_t attempt_number = 0;
  std::string_view change_source;
  std::string_view property_name;
  std::string_view property_value;
  std::string_view association_type;
  int64_t from_object_id = 0;
  int64_t to_object_id = 0;
  bool association_removed = false;
  bool is_primary_association = false;
  int64_t primary_object_id = 0;
  std::span<const int64_t> merged_object_ids;
  int64_t new_object_id = 0;
  int64_t received_at_ms = 0;
};

// Protobuf's base-128 varint: its size, and writing it at `out` (returns
// the end). Also the batch's framing (event_batch.cpp). Inline: called for
// every field of every event on the request path.
constexpr size_t varint_size(uint64_t v) {
  return (static_cast<size_t>(std::bit_width(v | 1)) + 6) / 7;
}
inline uint8_t* put_varint(uint64_t v, uint8_t* out) {
  while (v >= 0x80) {
    *out++ = static_cast<uint8_t>(v | 0x80);
    v >>= 7;
  }
  *out++ = static_cast<uint8_t>(v);
  return out;
}

// The size of the record's serialized HubSpotEvent.
size_t encoded_size(const EventRecord& e);

// Writes the serialized HubSpotEvent (encoded_size(e) bytes) at `out`;
// returns the end.
uint8_t* encode(const EventRecord& e, uint8_t* out);

// The serialized HubSpotEvent as a string.
std::string encode(const EventRecord& e);

}  // namespace hbsync::ingress
