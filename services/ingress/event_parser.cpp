#include "event_parser.hpp"

#include <rapidjson/document.h>

#include <optional>

#include "hbsync/json/lenient.hpp"
#include "hbsync/json/parse.hpp"
#include "hbsync/json/read.hpp"

namespace hbsync::ingress {
namespace {

using Value = rapidjson::Value;

// HubSpot sends ids as JSON numbers; the lenient reader takes a numeric
// string too, so a serializer change on its side cannot make us drop events.
std::optional<int64_t> int_field(const Value& obj, const char* name) {
  return json::lenient::int_of(json::lenient::member(obj, name));
}

// The deal is the ordering unit for deal<->company association changes.
std::string object_type_of(std::string_view subscription_type) {
  auto dot = subscription_type.find('.');
  return std::string(subscription_type.substr(0, dot));
}

bool keeps_property_value(std::string_view name) {
  return name == "dealstage" || name == "pipeline" || name == "hubspot_owner_id";
}

// The Kafka key: tenant (portal), object type and id; association changes
// are keyed by their deal so a deal's events stay on one partition.
std::string kafka_key(const v1::HubSpotEvent& ev) {
  std::string object_type = object_type_of(ev.subscription_type());
  int64_t key_id = ev.object_id();
  if (ev.association_type() == "DEAL_TO_COMPANY") {
    object_type = "deal";
    key_id = ev.from_object_id();
  } else if (ev.association_type() == "COMPANY_TO_DEAL") {
    object_type = "deal";
    key_id = ev.to_object_id();
  } else if (key_id == 0) {
    key_id = ev.from_object_id();
  }
  return std::to_string(ev.portal_id()) + ":" + object_type + ":" + std::to_string(key_id);
}

// The fields of one event (`e`, already checked to be an object) into its
// protobuf; nullopt with `error` set when a required field is missing.
std::optional<ParsedEvent> parse_event(const Value& e, int64_t received_at_ms, std::string& error) {
  auto portal = int_field(e, "portalId");
  auto type = json::member_string(e, "subscriptionType");
  if (!type) type = json::member_string(e, "eventType");
  auto occurred = int_field(e, "occurredAt");
  auto object_id = int_field(e, "objectId");
  auto from_id = int_field(e, "fromObjectId");
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

  ParsedEvent parsed;
  auto& ev = parsed.event;
  ev.set_portal_id(*portal);
  ev.set_subscription_type(*type);
  ev.set_occurred_at_ms(*occurred);
  ev.set_received_at_ms(received_at_ms);
  ev.set_object_id(object_id.value_or(0));
  ev.set_event_id(int_field(e, "eventId").value_or(0));
  ev.set_subscription_id(int_field(e, "subscriptionId").value_or(0));
  ev.set_app_id(int_field(e, "appId").value_or(0));
  ev.set_attempt_number(static_cast<int32_t>(int_field(e, "attemptNumber").value_or(0)));
  if (auto v = json::member_string(e, "changeSource")) ev.set_change_source(*v);
  if (auto name = json::member_string(e, "propertyName")) {
    ev.set_property_name(*name);
    if (keeps_property_value(*name)) {
      if (auto v = json::member_string(e, "propertyValue")) ev.set_property_value(*v);
    }
  }
  if (auto v = json::member_string(e, "associationType")) ev.set_association_type(*v);
  ev.set_from_object_id(from_id.value_or(0));
  ev.set_to_object_id(int_field(e, "toObjectId").value_or(0));
  if (auto v = json::member_bool(e, "associationRemoved")) ev.set_association_removed(*v);
  if (auto v = json::member_bool(e, "isPrimaryAssociation")) ev.set_is_primary_association(*v);
  ev.set_primary_object_id(int_field(e, "primaryObjectId").value_or(0));
  ev.set_new_object_id(int_field(e, "newObjectId").value_or(0));
  if (const Value* merged = json::member_array(e, "mergedObjectIds")) {
    for (const auto& m : merged->GetArray()) {
      if (auto id = json::lenient::int_of(&m)) ev.add_merged_object_ids(*id);
    }
  }
  parsed.key = kafka_key(ev);
  return parsed;
}

}  // namespace

ParseResult parse_events(std::string_view body, int64_t received_at_ms) {
  ParseResult result;
  rapidjson::Document doc;
  // Depth-limited, iterative and UTF-8 validated: a deep body cannot exhaust
  // the stack, and every string fits a protobuf string field.
  if (auto status = json::parse(doc, body); !status) {
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
  result.events.reserve(doc.Size());
  for (rapidjson::SizeType i = 0; i < doc.Size(); ++i) {
    const Value& e = doc[i];
    auto where = "event " + std::to_string(i) + ": ";
    std::string error = "must be an object";
    auto parsed = e.IsObject() ? parse_event(e, received_at_ms, error) : std::nullopt;
    if (!parsed) {
      result.error = where + error;
      result.events.clear();
      return result;
    }
    result.events.push_back(std::move(*parsed));
  }
  result.ok = true;
  return result;
}

}  // namespace hbsync::ingress
