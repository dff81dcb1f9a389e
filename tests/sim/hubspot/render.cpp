#include "render.hpp"

#include <algorithm>
#include <set>

namespace hbsync::sim_hubspot {

std::vector<std::string> list_param(const http::Request& request, const std::string& name) {
  std::vector<std::string> out;
  for (const auto& [k, v] : request.query()) {
    if (k != name) continue;
    size_t start = 0;
    while (start <= v.size()) {
      size_t end = v.find(',', start);
      if (end == std::string::npos) end = v.size();
      std::string item = v.substr(start, end - start);
      if (!item.empty()) out.push_back(item);
      start = end + 1;
    }
  }
  return out;
}

int unlabeled_type_id(ObjectKind from) {
  return from == ObjectKind::deal ? 341 : 342;
}
int primary_type_id(ObjectKind from) {
  return from == ObjectKind::deal ? 5 : 6;
}

void write_object(JsonWriter& w, const Portal& portal, const CrmObject& object,
                  const std::vector<std::string>& properties,
                  const std::vector<std::string>& associations) {
  w.StartObject();
  key(w, "id");
  string(w, std::to_string(object.id));
  key(w, "properties");
  w.StartObject();
  std::vector<std::string> names =
      properties.empty() ? default_returned_properties(object.kind) : properties;
  for (const std::string& always : always_returned_properties()) names.push_back(always);
  std::set<std::string> written;
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    if (!written.insert(name).second) continue;
    if (portal.property(object.kind, name) == nullptr) continue;
    key(w, name);
    auto value = object.value(name);
    if (value) {
      string(w, *value);
    } else {
      w.Null();
    }
  }
  w.EndObject();
  key(w, "createdAt");
  string(w, iso8601(object.created_ms));
  key(w, "updatedAt");
  string(w, iso8601(object.updated_ms));
  key(w, "archived");
  w.Bool(object.archived);
  if (object.archived) {
    key(w, "archivedAt");
    string(w, iso8601(object.archived_ms));
  }
  bool started = false;
  std::set<ObjectKind> done;
  for (const std::string& name : associations) {
    auto kind = parse_object_type(name);
    if (!kind || *kind == object.kind || !done.insert(*kind).second) continue;
    std::vector<AssociatedObject> targets = portal.associated(object.kind, object.id);
    if (targets.empty()) continue;
    if (!started) {
      key(w, "associations");
      w.StartObject();
      started = true;
    }
    std::string from(singular(object.kind));
    std::string to(singular(*kind));
    key(w, plural(*kind));
    w.StartObject();
    key(w, "results");
    w.StartArray();
    for (const AssociatedObject& t : targets) {
      // v3 names the HubSpot-defined types: deal_to_company is the primary
      // (typeId 5), deal_to_company_unlabeled the plain one (341).
      if (t.primary) {
        w.StartObject();
        key(w, "id");
        string(w, std::to_string(t.id));
        key(w, "type");
        string(w, from + "_to_" + to);
        w.EndObject();
      }
      w.StartObject();
      key(w, "id");
      string(w, std::to_string(t.id));
      key(w, "type");
      string(w, from + "_to_" + to + "_unlabeled");
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  if (started) w.EndObject();
  w.EndObject();
}

void write_association_target(JsonWriter& w, ObjectKind from, const AssociatedObject& target) {
  w.StartObject();
  // v4 sends toObjectId as a JSON number on the wire (the OpenAPI file says
  // string); clients must accept both.
  key(w, "toObjectId");
  w.Int64(target.id);
  key(w, "associationTypes");
  w.StartArray();
  if (target.primary) {
    w.StartObject();
    key(w, "category");
    string(w, "HUBSPOT_DEFINED");
    key(w, "typeId");
    w.Int(primary_type_id(from));
    key(w, "label");
    string(w, "Primary");
    w.EndObject();
  }
  w.StartObject();
  key(w, "category");
  string(w, "HUBSPOT_DEFINED");
  key(w, "typeId");
  w.Int(unlabeled_type_id(from));
  key(w, "label");
  w.Null();
  w.EndObject();
  w.EndArray();
  w.EndObject();
}

void write_stage(JsonWriter& w, const Pipeline& pipeline, const Stage& stage) {
  w.StartObject();
  key(w, "id");
  string(w, stage.id);
  key(w, "label");
  string(w, stage.label);
  key(w, "displayOrder");
  w.Int(stage.display_order);
  key(w, "metadata");
  w.StartObject();
  key(w, "isClosed");
  string(w, stage.is_closed ? "true" : "false");
  key(w, "probability");
  string(w, stage.probability);
  w.EndObject();
  key(w, "createdAt");
  string(w, iso8601(pipeline.created_ms));
  key(w, "updatedAt");
  string(w, iso8601(pipeline.updated_ms));
  key(w, "archived");
  w.Bool(false);
  key(w, "writePermissions");
  string(w, "CRM_PERMISSIONS_ENFORCEMENT");
  w.EndObject();
}

void write_pipeline(JsonWriter& w, const Pipeline& pipeline) {
  w.StartObject();
  key(w, "id");
  string(w, pipeline.id);
  key(w, "label");
  string(w, pipeline.label);
  key(w, "displayOrder");
  w.Int(pipeline.display_order);
  key(w, "stages");
  w.StartArray();
  for (const Stage& stage : pipeline.stages) write_stage(w, pipeline, stage);
  w.EndArray();
  key(w, "createdAt");
  string(w, iso8601(pipeline.created_ms));
  key(w, "updatedAt");
  string(w, iso8601(pipeline.updated_ms));
  key(w, "archived");
  w.Bool(false);
  w.EndObject();
}

void write_owner(JsonWriter& w, const Owner& owner) {
  w.StartObject();
  key(w, "id");
  string(w, std::to_string(owner.id));
  key(w, "email");
  string(w, owner.email);
  key(w, "type");
  string(w, "PERSON");
  key(w, "firstName");
  string(w, owner.first_name);
  key(w, "lastName");
  string(w, owner.last_name);
  key(w, "userId");
  w.Int64(owner.user_id);
  key(w, "userIdIncludingInactive");
  w.Int64(owner.user_id);
  key(w, "createdAt");
  string(w, iso8601(owner.created_ms));
  key(w, "updatedAt");
  string(w, iso8601(owner.updated_ms));
  key(w, "archived");
  w.Bool(owner.archived);
  key(w, "teams");
  w.StartArray();
  w.EndArray();
  w.EndObject();
}

namespace {

void write_option(JsonWriter& w, const PropertyOption& o) {
  w.StartObject();
  key(w, "label");
  string(w, o.label);
  key(w, "value");
  string(w, o.value);
  key(w, "description");
  string(w, o.description);
  key(w, "displayOrder");
  w.Int(o.display_order);
  key(w, "hidden");
  w.Bool(o.hidden);
  w.EndObject();
}

}  // namespace

void write_property(JsonWriter& w, const Portal& portal, const PropertyDef& def) {
  w.StartObject();
  key(w, "updatedAt");
  string(w, iso8601(def.updated_ms));
  key(w, "createdAt");
  string(w, iso8601(def.created_ms));
  key(w, "name");
  string(w, def.name);
  key(w, "label");
  string(w, def.label);
  key(w, "type");
  string(w, def.type);
  key(w, "fieldType");
  string(w, def.field_type);
  key(w, "description");
  string(w, def.description);
  key(w, "groupName");
  string(w, def.group_name);
  key(w, "options");
  w.StartArray();
  if (def.dynamic_options) {
    int order = 0;
    if (def.name == "pipeline") {
      for (const Pipeline& p : portal.pipelines()) {
        write_option(w, {p.label, p.id, "", order++, false});
      }
    } else if (def.name == "dealstage") {
      for (const Pipeline& p : portal.pipelines()) {
        for (const Stage& s : p.stages) write_option(w, {s.label, s.id, "", order++, false});
      }
    } else if (def.name == "hubspot_owner_id") {
      for (const auto& [id, owner] : portal.owners()) {
        write_option(
            w, {owner.first_name + " " + owner.last_name, std::to_string(id), "", order++, false});
      }
    }
  } else {
    for (const PropertyOption& o : def.options) write_option(w, o);
  }
  w.EndArray();
  key(w, "displayOrder");
  w.Int(def.display_order);
  key(w, "calculated");
  w.Bool(false);
  key(w, "externalOptions");
  w.Bool(def.dynamic_options);
  key(w, "hasUniqueValue");
  w.Bool(def.has_unique_value);
  key(w, "hidden");
  w.Bool(def.hidden);
  if (def.hubspot_defined) {
    key(w, "hubspotDefined");
    w.Bool(true);
  }
  key(w, "modificationMetadata");
  w.StartObject();
  key(w, "archivable");
  w.Bool(!def.hubspot_defined);
  key(w, "readOnlyDefinition");
  w.Bool(def.hubspot_defined);
  key(w, "readOnlyValue");
  w.Bool(def.read_only_value);
  w.EndObject();
  key(w, "formField");
  w.Bool(def.form_field);
  key(w, "dataSensitivity");
  string(w, "non_sensitive");
  w.EndObject();
}

void write_batch_error(JsonWriter& w, const std::string& category, const std::string& sub_category,
                       const std::string& message, const std::string& context_key,
                       const std::vector<std::string>& ids) {
  w.StartObject();
  key(w, "status");
  string(w, "error");
  key(w, "category");
  string(w, category);
  if (!sub_category.empty()) {
    key(w, "subCategory");
    string(w, sub_category);
  }
  key(w, "message");
  string(w, message);
  key(w, "context");
  w.StartObject();
  key(w, context_key);
  w.StartArray();
  for (const std::string& id : ids) string(w, id);
  w.EndArray();
  w.EndObject();
  key(w, "errors");
  w.StartArray();
  w.EndArray();
  key(w, "links");
  w.StartObject();
  w.EndObject();
  w.EndObject();
}

void write_batch_times(JsonWriter& w, int64_t started_ms, int64_t completed_ms) {
  key(w, "startedAt");
  string(w, iso8601(started_ms));
  key(w, "completedAt");
  string(w, iso8601(completed_ms));
}

}  // namespace hbsync::sim_hubspot
