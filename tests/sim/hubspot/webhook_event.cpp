#include "webhook_event.hpp"

namespace hbsync::sim_hubspot {

std::string subscription_type(const Change& change) {
  std::string type(singular(change.object));
  switch (change.kind) {
    case Change::Kind::creation:
      return type + ".creation";
    case Change::Kind::property_change:
      return type + ".propertyChange";
    case Change::Kind::association_change:
      return type + ".associationChange";
    case Change::Kind::deletion:
      return type + ".deletion";
    case Change::Kind::merge:
      return type + ".merge";
  }
  return type;
}

std::string subscription_key(const Change& change) {
  std::string type = subscription_type(change);
  if (change.kind == Change::Kind::property_change) type += ":" + change.property_name;
  return type;
}

void write_event(JsonWriter& w, const WebhookEvent& e, int attempt_number) {
  const Change& c = e.change;
  w.StartObject();
  key(w, "eventId");
  w.Int64(e.event_id);
  key(w, "subscriptionId");
  w.Int64(e.subscription_id);
  key(w, "portalId");
  w.Int64(e.portal_id);
  key(w, "appId");
  w.Int64(e.app_id);
  key(w, "occurredAt");
  w.Int64(e.occurred_ms);
  key(w, "subscriptionType");
  string(w, e.subscription_type);
  key(w, "attemptNumber");
  w.Int(attempt_number);
  // Association events carry from/to ids instead of objectId.
  if (c.kind != Change::Kind::association_change) {
    key(w, "objectId");
    w.Int64(c.object_id);
  }
  if (c.kind == Change::Kind::property_change) {
    key(w, "propertyName");
    string(w, c.property_name);
    key(w, "propertyValue");
    string(w, c.property_value);
  }
  key(w, "changeSource");
  string(w, e.change_source);
  if (!e.source_id.empty()) {
    key(w, "sourceId");
    string(w, e.source_id);
  }
  if (c.kind == Change::Kind::creation) {
    key(w, "changeFlag");
    string(w, "NEW");
  } else if (c.kind == Change::Kind::deletion) {
    key(w, "changeFlag");
    string(w, "DELETED");
  } else if (c.kind == Change::Kind::merge) {
    key(w, "changeFlag");
    string(w, "MERGED");
  }
  if (c.kind == Change::Kind::association_change) {
    key(w, "associationType");
    string(w, std::string(upper(c.object)) + "_TO_" + std::string(upper(other(c.object))));
    key(w, "fromObjectId");
    w.Int64(c.from_id);
    key(w, "toObjectId");
    w.Int64(c.to_id);
    key(w, "associationRemoved");
    w.Bool(c.removed);
    key(w, "isPrimaryAssociation");
    w.Bool(c.primary);
  }
  if (c.kind == Change::Kind::merge) {
    key(w, "primaryObjectId");
    w.Int64(c.primary_id);
    key(w, "mergedObjectIds");
    w.StartArray();
    for (int64_t id : c.merged_ids) w.Int64(id);
    w.EndArray();
    key(w, "newObjectId");
    w.Int64(c.new_id);
  }
  w.EndObject();
}

std::string batch_body(const std::vector<WebhookEvent>& events, int attempt_number) {
  return write_json([&](JsonWriter& w) {
    w.StartArray();
    for (const WebhookEvent& e : events) write_event(w, e, attempt_number);
    w.EndArray();
  });
}

}  // namespace hbsync::sim_hubspot
