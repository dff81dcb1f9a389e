#include "event_parser_reference.hpp"

#include <rapidjson/document.h>

#include <algorithm>
#include <array>
#include <optional>
#include <vector>

#include "event_fields.hpp"
#include "hbsync/json/lenient.hpp"
#include "hbsync/json/parse.hpp"

namespace hbsync::ingress::reference {
namespace {

using Value = rapidjson::Value;

// The field a member's name is, kFieldCount when none: each name in turn
// (the parser's own lookup, event_fields.cpp, goes by name length).
Field field_named(std::string_view name) {
  for (size_t i = 0; i < kFieldCount; ++i) {
    if (name == kFieldNames[i]) return static_cast<Field>(i);
  }
  return kFieldCount;
}

// As with FindMember, the first member of a name counts; null counts as
// absent.
class Fields {
 public:
  explicit Fields(const Value& obj) {
    for (auto it = obj.MemberBegin(); it != obj.MemberEnd(); ++it) {
      const Field i = field_named({it->name.GetString(), it->name.GetStringLength()});
      if (i == kFieldCount || seen_[i]) continue;
      seen_[i] = true;
      values_[i] = it->value.IsNull() ? nullptr : &it->value;
    }
  }

  const Value* member(Field f) const { return values_[f]; }

  std::optional<int64_t> int_field(Field f) const {
    const Value* v = values_[f];
    // HubSpot sends ids as JSON numbers; the lenient reader takes a numeric
    // string too, so a serializer change on its side cannot make us drop events.
    return json::lenient::int_of(v);
  }

  // A view into the document: valid while it lives.
  std::optional<std::string_view> string_field(Field f) const {
    const Value* v = values_[f];
    if (v == nullptr || !v->IsString()) return std::nullopt;
    return std::string_view(v->GetString(), v->GetStringLength());
  }

 private:
  std::array<const Value*, kFieldCount> values_{};
  std::array<bool, kFieldCount> seen_{};
};

// The fields of one event (`e`, already checked to be an object) into its
// protobuf; nullopt with `error` set when a required field is missing.
std::optional<Event> parse_event(const Value& obj, int64_t received_at_ms,
                                 google::protobuf::Arena& arena, std::string& error) {
  const Fields e(obj);
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
    return std::nullopt;
  }

  Event parsed;
  parsed.event = google::protobuf::Arena::CreateMessage<hbsync::v1::HubSpotEvent>(&arena);
  auto& ev = *parsed.event;
  ev.set_portal_id(*portal);
  ev.set_subscription_type(type->data(), type->size());
  ev.set_occurred_at_ms(*occurred);
  ev.set_received_at_ms(received_at_ms);
  ev.set_object_id(object_id.value_or(0));
  ev.set_event_id(e.int_field(kEventId).value_or(0));
  ev.set_subscription_id(e.int_field(kSubscriptionId).value_or(0));
  ev.set_app_id(e.int_field(kAppId).value_or(0));
  ev.set_attempt_number(static_cast<int32_t>(e.int_field(kAttemptNumber).value_or(0)));
  if (auto v = e.string_field(kChangeSource)) ev.set_change_source(v->data(), v->size());
  if (auto name = e.string_field(kPropertyName)) {
    ev.set_property_name(name->data(), name->size());
    if (ingress::keeps_property_value(*name)) {
      if (auto v = e.string_field(kPropertyValue)) ev.set_property_value(v->data(), v->size());
    }
  }
  if (auto v = e.string_field(kAssociationType)) ev.set_association_type(v->data(), v->size());
  ev.set_from_object_id(from_id.value_or(0));
  ev.set_to_object_id(e.int_field(kToObjectId).value_or(0));
  if (const Value* v = e.member(kAssociationRemoved); v && v->IsBool()) {
    ev.set_association_removed(v->GetBool());
  }
  if (const Value* v = e.member(kIsPrimaryAssociation); v && v->IsBool()) {
    ev.set_is_primary_association(v->GetBool());
  }
  ev.set_primary_object_id(e.int_field(kPrimaryObjectId).value_or(0));
  ev.set_new_object_id(e.int_field(kNewObjectId).value_or(0));
  if (const Value* merged = e.member(kMergedObjectIds); merged && merged->IsArray()) {
    for (const auto& m : merged->GetArray()) {
      if (auto id = json::lenient::int_of(&m)) ev.add_merged_object_ids(*id);
    }
  }
  return parsed;
}

}  // namespace

Result parse_events(std::string_view body, int64_t received_at_ms) {
  Result result;
  rapidjson::Document doc;
  std::string text(body);
  if (auto status = json::parse_insitu(doc, text); !status) {
    result.reason = std::string(json::reason_code(status.problem));
    result.error = "body is not valid JSON: " + status.describe();
    return result;
  }
  if (!doc.IsArray()) {
    result.error = "body must be a JSON array of events";
    return result;
  }
  if (doc.Size() > kMaxEventsPerRequest) {
    result.error = "at most " + std::to_string(kMaxEventsPerRequest) + " events per request, got " +
                   std::to_string(doc.Size());
    return result;
  }
  // About 400 bytes of arena per event (the message, its strings and their
  // cleanup entries): one block for the whole request.
  google::protobuf::ArenaOptions arena_options;
  arena_options.start_block_size = std::clamp<size_t>(doc.Size() * 512, 1024, 64 * 1024);
  arena_options.max_block_size = 64 * 1024;
  result.arena = std::make_unique<google::protobuf::Arena>(arena_options);
  result.events.reserve(doc.Size());
  for (rapidjson::SizeType i = 0; i < doc.Size(); ++i) {
    const Value& e = doc[i];
    std::string error;
    auto parsed =
        e.IsObject() ? parse_event(e, received_at_ms, *result.arena, error) : std::nullopt;
    if (!parsed) {
      if (error.empty()) error = "must be an object";
      result.error = "event " + std::to_string(i) + ": " + error;
      result.events.clear();
      return result;
    }
    result.events.push_back(std::move(*parsed));
  }
  result.ok = true;
  return result;
}

}  // namespace hbsync::ingress::reference
