#include "event_fields.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

#include "hbsync/json/lenient.hpp"

namespace hbsync::ingress {
namespace {

using Value = rapidjson::Value;

// The fields by the length of their name (at most 3 share one): a member's
// name is compared with those only.
constexpr size_t kLongestName = 20;
struct FieldsByLength {
  std::array<std::array<Field, 4>, kLongestName + 1> fields{};
  std::array<size_t, kLongestName + 1> count{};
  constexpr FieldsByLength() {
    for (size_t i = 0; i < kFieldCount; ++i) {
      const size_t length = kFieldNames[i].size();
      fields[length][count[length]++] = static_cast<Field>(i);
    }
  }
};
constexpr FieldsByLength kFieldsByLength;
static_assert(std::ranges::all_of(kFieldNames,
                                  [](std::string_view n) { return n.size() <= kLongestName; }));

// The field of the name `name` of length N: compared with a length known
// when compiling, memcmp becomes a few loads instead of a libc call (one per
// member of every event).
template <size_t N>
Field field_of_length(std::string_view name) {
  const auto& candidates = kFieldsByLength.fields[N];
  for (size_t k = 0; k < kFieldsByLength.count[N]; ++k) {
    if (std::memcmp(name.data(), kFieldNames[candidates[k]].data(), N) == 0) return candidates[k];
  }
  return kFieldCount;
}

template <size_t... N>
Field field_of_length(std::string_view name, std::index_sequence<N...>) {
  Field f = kFieldCount;
  static_cast<void>(((name.size() == N && (f = field_of_length<N>(name), true)) || ...));
  return f;
}

// A JSON boolean field, when it is one.
std::optional<bool> bool_field(const EventFields& e, Field f) {
  const Value* v = e.member(f);
  if (v == nullptr || !v->IsBool()) return std::nullopt;
  return v->GetBool();
}

// The optional fields (all but the required four).
void set_optional_fields(const EventFields& e, EventRecord& ev) {
  ev.event_id = e.int_field(kEventId).value_or(0);
  ev.subscription_id = e.int_field(kSubscriptionId).value_or(0);
  ev.app_id = e.int_field(kAppId).value_or(0);
  ev.attempt_number = static_cast<int32_t>(e.int_field(kAttemptNumber).value_or(0));
  ev.change_source = e.string_field(kChangeSource).value_or("");
  ev.property_name = e.string_field(kPropertyName).value_or("");
  ev.property_value = {};
  if (keeps_property_value(ev.property_name)) {
    ev.property_value = e.string_field(kPropertyValue).value_or("");
  }
  ev.association_type = e.string_field(kAssociationType).value_or("");
  ev.to_object_id = e.int_field(kToObjectId).value_or(0);
  ev.association_removed = bool_field(e, kAssociationRemoved).value_or(false);
  ev.is_primary_association = bool_field(e, kIsPrimaryAssociation).value_or(false);
  ev.primary_object_id = e.int_field(kPrimaryObjectId).value_or(0);
  ev.new_object_id = e.int_field(kNewObjectId).value_or(0);
  ev.merged_object_ids = {};
  if (const Value* merged = e.member(kMergedObjectIds); merged && merged->IsArray()) {
    ev.merged_object_ids = e.merged_ids();
  }
}

}  // namespace

Field field_of(std::string_view name) {
  if (name.size() > kLongestName) return kFieldCount;
  return field_of_length(name, std::make_index_sequence<kLongestName + 1>{});
}

std::optional<int64_t> EventFields::int_field(Field f) const {
  // HubSpot sends ids as JSON numbers; the lenient reader takes a numeric
  // string too, so a serializer change on its side cannot make us drop events.
  return json::lenient::int_of(member(f));
}

std::optional<std::string_view> EventFields::string_field(Field f) const {
  const Value* v = member(f);
  if (v == nullptr || !v->IsString()) return std::nullopt;
  return std::string_view(v->GetString(), v->GetStringLength());
}

bool build_event(const EventFields& e, int64_t received_at_ms, EventRecord& ev,
                 std::string& error) {
  auto portal = e.int_field(kPortalId);
  auto type = e.string_field(kSubscriptionType);
  if (!type) type = e.string_field(kEventType);
  auto occurred = e.int_field(kOccurredAt);
  auto object_id = e.int_field(kObjectId);
  auto from_id = e.int_field(kFromObjectId);
  std::string missing;
  if (!portal || *portal <= 0) missing += " portalId";
  if (!type || type->empty() || type->find('.') == std::string::npos) {
    missing += " subscriptionType";
  }
  if (!occurred) missing += " occurredAt";
  if (!object_id && !from_id) missing += " objectId";
  if (!missing.empty()) {
    error = "missing or invalid:" + missing;
    return false;
  }
  ev.portal_id = *portal;
  ev.subscription_type = *type;
  ev.occurred_at_ms = *occurred;
  ev.received_at_ms = received_at_ms;
  ev.object_id = object_id.value_or(0);
  ev.from_object_id = from_id.value_or(0);
  set_optional_fields(e, ev);
  return true;
}

}  // namespace hbsync::ingress
