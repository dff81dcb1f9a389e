// One webhook event's fields as the body parser meets them (event_parser.cpp
// feeds them member by member from RapidJSON's SAX callbacks), and the
// EventRecord built from them. As with a DOM's FindMember, the first member
// of a name counts; null counts as absent; ids are read by
// json::lenient::int_of's rules (a numeric string too).
#pragma once

#include <rapidjson/document.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "event_parser.hpp"

namespace hbsync::ingress {

enum Field : size_t {
  kPortalId,
  kSubscriptionType,
  kEventType,
  kOccurredAt,
  kObjectId,
  kFromObjectId,
  kToObjectId,
  kEventId,
  kSubscriptionId,
  kAppId,
  kAttemptNumber,
  kChangeSource,
  kPropertyName,
  kPropertyValue,
  kAssociationType,
  kAssociationRemoved,
  kIsPrimaryAssociation,
  kPrimaryObjectId,
  kNewObjectId,
  kMergedObjectIds,
  kFieldCount
};

// The members' names in HubSpot's webhook events, by Field.
inline constexpr std::array<std::string_view, kFieldCount> kFieldNames = {"portalId",
                                                                          "subscriptionType",
                                                                          "eventType",
                                                                          "occurredAt",
                                                                          "objectId",
                                                                          "fromObjectId",
                                                                          "toObjectId",
                                                                          "eventId",
                                                                          "subscriptionId",
                                                                          "appId",
                                                                          "attemptNumber",
                                                                          "changeSource",
                                                                          "propertyName",
                                                                          "propertyValue",
                                                                          "associationType",
                                                                          "associationRemoved",
                                                                          "isPrimaryAssociation",
                                                                          "primaryObjectId",
                                                                          "newObjectId",
                                                                          "mergedObjectIds"};

// The field a member's name is, kFieldCount when none.
Field field_of(std::string_view name);

class EventFields {
 public:
  // For the next event: nothing seen.
  void clear() {
    seen_.fill(false);
    merged_ids_.clear();
  }

  // The field the member `name` sets: kFieldCount when it is no field or
  // its field was set by an earlier member (the first one counts).
  Field claim(std::string_view name) {
    const Field f = field_of(name);
    if (f == kFieldCount || seen_[f]) return kFieldCount;
    seen_[f] = true;
    return f;
  }

  // The value of a claimed field: a scalar (strings point into the parsed
  // text, which must outlive their use), or an empty array or object
  // standing for one (mergedObjectIds' items come by add_merged_id).
  void set(Field f, rapidjson::Value&& value) { values_[f] = std::move(value); }
  void add_merged_id(int64_t id) { merged_ids_.push_back(id); }

  // nullptr when absent or null.
  const rapidjson::Value* member(Field f) const {
    return seen_[f] && !values_[f].IsNull() ? &values_[f] : nullptr;
  }
  std::optional<int64_t> int_field(Field f) const;
  std::optional<std::string_view> string_field(Field f) const;
  const std::vector<int64_t>& merged_ids() const { return merged_ids_; }

 private:
  std::array<rapidjson::Value, kFieldCount> values_{};
  std::array<bool, kFieldCount> seen_{};
  std::vector<int64_t> merged_ids_;
};

// The event's record in `ev` (its strings point where the fields' do, its
// merged ids into `e`); false with `error` set (naming the fields, never
// their values) when a required field is missing.
bool build_event(const EventFields& e, int64_t received_at_ms, EventRecord& ev, std::string& error);

}  // namespace hbsync::ingress
