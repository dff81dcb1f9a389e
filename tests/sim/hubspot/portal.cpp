#include "portal.hpp"

#include <algorithm>

#include "util.hpp"

namespace hbsync::sim_hubspot {
namespace {

size_t index(ObjectKind kind) {
  return kind == ObjectKind::deal ? 0 : 1;
}

Change change(Change::Kind kind, ObjectKind object, int64_t id, int64_t now_ms) {
  Change c;
  c.kind = kind;
  c.object = object;
  c.object_id = id;
  c.occurred_ms = now_ms;
  return c;
}

}  // namespace

std::optional<std::string> CrmObject::value(const std::string& name) const {
  if (name == "hs_object_id") return std::to_string(id);
  if (name == "createdate") return iso8601(created_ms);
  if (name == "hs_lastmodifieddate") return iso8601(updated_ms);
  auto it = values.find(name);
  if (it == values.end()) return std::nullopt;
  return it->second;
}

const Stage* Pipeline::stage(const std::string& stage_id) const {
  for (const Stage& s : stages) {
    if (s.id == stage_id) return &s;
  }
  return nullptr;
}

Pipeline default_pipeline(int64_t now_ms) {
  Pipeline p;
  p.id = "default";
  p.label = "Sales Pipeline";
  p.display_order = 0;
  p.created_ms = p.updated_ms = now_ms;
  p.stages = {
      {"appointmentscheduled", "Appointment Scheduled", 0, false, "0.2"},
      {"qualifiedtobuy", "Qualified To Buy", 1, false, "0.4"},
      {"presentationscheduled", "Presentation Scheduled", 2, false, "0.6"},
      {"decisionmakerboughtin", "Decision Maker Bought-In", 3, false, "0.8"},
      {"contractsent", "Contract Sent", 4, false, "0.9"},
      {"closedwon", "Closed Won", 5, true, "1.0"},
      {"closedlost", "Closed Lost", 6, true, "0.0"},
  };
  return p;
}

PropertyInput read_property_input(int64_t portal_id, const rapidjson::Value& properties) {
  if (!properties.IsObject()) {
    throw validation_error("Invalid input JSON: 'properties' must be an object");
  }
  PropertyInput input;
  std::vector<InvalidProperty> invalid;
  for (const auto& member : properties.GetObject()) {
    std::string name(member.name.GetString(), member.name.GetStringLength());
    auto text = property_text(member.value);
    if (!text) {
      invalid.push_back({name, "INVALID_PROPERTY_VALUE",
                         "Property \"" + name + "\" must be a string, number or boolean"});
      continue;
    }
    input.emplace_back(std::move(name), std::move(*text));
  }
  if (!invalid.empty()) throw invalid_properties(portal_id, invalid);
  return input;
}

Portal::Portal(int64_t id, int64_t now_ms, std::chrono::milliseconds search_lag)
    : id_(id), search_lag_(search_lag) {
  hub_domain = "portal-" + std::to_string(id) + ".sim.hubspot.example";
  user_email = "admin@portal-" + std::to_string(id) + ".example.com";
  user_id = 5000000 + id % 1000000;
  for (ObjectKind kind : {ObjectKind::deal, ObjectKind::company}) {
    for (PropertyDef& def : default_properties(kind, now_ms)) {
      std::string name = def.name;
      properties_[index(kind)].emplace(std::move(name), std::move(def));
    }
  }
  pipelines_.push_back(default_pipeline(now_ms));
}

const std::map<std::string, PropertyDef>& Portal::properties(ObjectKind kind) const {
  return properties_[index(kind)];
}

const PropertyDef* Portal::property(ObjectKind kind, const std::string& name) const {
  const auto& defs = properties_[index(kind)];
  auto it = defs.find(name);
  return it == defs.end() ? nullptr : &it->second;
}

const PropertyDef& Portal::add_property(ObjectKind kind, PropertyDef def) {
  auto& defs = properties_[index(kind)];
  if (defs.count(def.name) > 0) {
    ApiError error(409, "CONFLICT", "A property named '" + def.name + "' already exists.");
    error.context["name"] = {def.name};
    throw error;
  }
  std::string name = def.name;
  return defs.emplace(std::move(name), std::move(def)).first->second;
}

const Pipeline* Portal::pipeline(const std::string& id) const {
  for (const Pipeline& p : pipelines_) {
    if (p.id == id) return &p;
  }
  return nullptr;
}

void Portal::put_pipeline(Pipeline pipeline) {
  for (Pipeline& p : pipelines_) {
    if (p.id == pipeline.id) {
      pipeline.created_ms = p.created_ms;
      p = std::move(pipeline);
      return;
    }
  }
  pipelines_.push_back(std::move(pipeline));
}

const Owner& Portal::add_owner(Owner owner, int64_t now_ms) {
  if (owner.id == 0) owner.id = next_owner_id_++;
  next_owner_id_ = std::max(next_owner_id_, owner.id + 1);
  if (owner.user_id == 0) owner.user_id = 9000000 + owner.id % 1000000;
  owner.created_ms = owner.updated_ms = now_ms;
  auto [it, inserted] = owners_.insert_or_assign(owner.id, owner);
  (void)inserted;
  return it->second;
}

std::map<int64_t, Portal::Stored>& Portal::objects(ObjectKind kind) {
  return kind == ObjectKind::deal ? deals_ : companies_;
}

const std::map<int64_t, Portal::Stored>& Portal::objects(ObjectKind kind) const {
  return kind == ObjectKind::deal ? deals_ : companies_;
}

int64_t Portal::resolve(ObjectKind kind, int64_t id) const {
  const auto& merged = merged_into_[index(kind)];
  // Merges chain (A into B, later B into C); a chain is short.
  for (int hops = 0; hops < 64; ++hops) {
    auto it = merged.find(id);
    if (it == merged.end()) break;
    id = it->second;
  }
  return id;
}

const CrmObject* Portal::find(ObjectKind kind, int64_t id, bool include_archived) const {
  const auto& objs = objects(kind);
  auto it = objs.find(resolve(kind, id));
  if (it == objs.end()) return nullptr;
  if (it->second.object.archived && !include_archived) return nullptr;
  return &it->second.object;
}

std::vector<const CrmObject*> Portal::list(ObjectKind kind, bool archived) const {
  std::vector<const CrmObject*> out;
  for (const auto& [id, stored] : objects(kind)) {
    if (stored.object.archived == archived) out.push_back(&stored.object);
  }
  return out;
}

const CrmObject* Portal::find_by_unique(ObjectKind kind, const std::string& property,
                                        const std::string& value, bool archived) const {
  for (const auto& [id, stored] : objects(kind)) {
    if (stored.object.archived != archived) continue;
    if (stored.object.value(property) == value) return &stored.object;
  }
  return nullptr;
}

void Portal::validate(ObjectKind kind, PropertyInput& input, const CrmObject* existing) const {
  std::vector<InvalidProperty> invalid;
  std::optional<std::string> pipeline_in, stage_in;
  for (auto& [name, value] : input) {
    const PropertyDef* def = property(kind, name);
    if (def == nullptr) {
      invalid.push_back(
          {name, "PROPERTY_DOESNT_EXIST", "Property \"" + name + "\" does not exist"});
      continue;
    }
    if (def->read_only_value) {
      invalid.push_back({name, "READ_ONLY_VALUE",
                         "\"" + name + "\" is a read only property; its value cannot be set."});
      continue;
    }
    if (auto problem = check_value(*def, value)) {
      invalid.push_back(*problem);
      continue;
    }
    if (name == "hubspot_owner_id" && !value.empty()) {
      auto owner = parse_id(value);
      if (!owner || owners_.count(*owner) == 0) {
        invalid.push_back(
            {name, "INVALID_OPTION", value + " was not one of the allowed options for owner"});
      }
    }
    if (kind == ObjectKind::deal && name == "pipeline") pipeline_in = value;
    if (kind == ObjectKind::deal && name == "dealstage") stage_in = value;
  }
  if (kind == ObjectKind::deal) {
    std::string pipeline_id = pipeline_in.value_or(
        existing ? existing->value("pipeline").value_or("default") : "default");
    std::optional<std::string> stage_id =
        stage_in ? stage_in : (existing ? existing->value("dealstage") : std::nullopt);
    const Pipeline* p = pipeline(pipeline_id);
    if (pipeline_in && (pipeline_in->empty() || p == nullptr)) {
      invalid.push_back({"pipeline", "INVALID_OPTION",
                         *pipeline_in + " was not one of the allowed options for pipeline"});
    } else if (existing == nullptr && (!stage_id || stage_id->empty())) {
      invalid.push_back({"dealstage", "REQUIRED_PROPERTY", "dealstage is required"});
    } else if (stage_in && stage_in->empty()) {
      invalid.push_back({"dealstage", "INVALID_OPTION", "dealstage cannot be cleared"});
    } else if ((pipeline_in || stage_in) && p != nullptr && stage_id &&
               p->stage(*stage_id) == nullptr) {
      invalid.push_back(
          {"dealstage", "INVALID_OPTION",
           *stage_id + " was not one of the allowed options for pipeline " + pipeline_id});
    }
  }
  if (!invalid.empty()) throw invalid_properties(id_, invalid);
}

void Portal::remember(Stored& stored, int64_t now_ms) {
  if (search_lag_.count() <= 0) return;
  stored.versions.push_back({now_ms, stored.object});
  // Keep the newest version search can already see, and everything after it.
  int64_t horizon = now_ms - search_lag_.count();
  while (stored.versions.size() > 1 && stored.versions[1].at_ms <= horizon) {
    stored.versions.pop_front();
  }
}

const CrmObject& Portal::create(ObjectKind kind, PropertyInput input, int64_t now_ms,
                                Changes& changes) {
  validate(kind, input, nullptr);
  Stored stored;
  CrmObject& obj = stored.object;
  obj.id = next_object_id_++;
  obj.kind = kind;
  obj.created_ms = obj.updated_ms = now_ms;
  for (auto& [name, value] : input) {
    if (value.empty()) {
      obj.values.erase(name);
    } else {
      obj.values[name] = value;
    }
  }
  if (kind == ObjectKind::deal && obj.values.count("pipeline") == 0) {
    obj.values["pipeline"] = "default";
  }
  changes.push_back(change(Change::Kind::creation, kind, obj.id, now_ms));
  for (const auto& [name, value] : obj.values) {
    Change c = change(Change::Kind::property_change, kind, obj.id, now_ms);
    c.property_name = name;
    c.property_value = value;
    changes.push_back(std::move(c));
  }
  remember(stored, now_ms);
  int64_t id = obj.id;
  return objects(kind).emplace(id, std::move(stored)).first->second.object;
}

const CrmObject& Portal::update(ObjectKind kind, int64_t id, PropertyInput input, int64_t now_ms,
                                Changes& changes) {
  const CrmObject* found = find(kind, id);
  if (found == nullptr) throw object_not_found(std::to_string(id));
  validate(kind, input, found);
  Stored& stored = objects(kind).at(found->id);
  CrmObject& obj = stored.object;
  for (auto& [name, value] : input) {
    auto it = obj.values.find(name);
    std::string before = it == obj.values.end() ? "" : it->second;
    if (before == value) continue;
    if (value.empty()) {
      obj.values.erase(name);
    } else {
      obj.values[name] = value;
    }
    Change c = change(Change::Kind::property_change, kind, obj.id, now_ms);
    c.property_name = name;
    c.property_value = value;
    changes.push_back(std::move(c));
  }
  // HubSpot touches updatedAt on every accepted write, changed or not.
  obj.updated_ms = now_ms;
  remember(stored, now_ms);
  return obj;
}

bool Portal::archive(ObjectKind kind, int64_t id, int64_t now_ms, Changes& changes) {
  const CrmObject* found = find(kind, id);
  if (found == nullptr) return false;
  Stored& stored = objects(kind).at(found->id);
  stored.object.archived = true;
  stored.object.archived_ms = now_ms;
  stored.object.updated_ms = now_ms;
  changes.push_back(change(Change::Kind::deletion, kind, stored.object.id, now_ms));
  remember(stored, now_ms);
  return true;
}

const CrmObject& Portal::merge(ObjectKind kind, int64_t primary_id, int64_t merged_id,
                               int64_t now_ms, Changes& changes) {
  const CrmObject* primary = find(kind, primary_id);
  const CrmObject* merged = find(kind, merged_id);
  if (primary == nullptr) throw object_not_found(std::to_string(primary_id));
  if (merged == nullptr) throw object_not_found(std::to_string(merged_id));
  if (primary->id == merged->id) {
    throw validation_error("Cannot merge an object with itself: " + std::to_string(primary->id));
  }
  int64_t p = primary->id;
  int64_t m = merged->id;
  // Read before the merged record leaves: afterwards its id resolves to p.
  std::vector<AssociatedObject> moved = associated(kind, m);
  auto& objs = objects(kind);
  Stored merged_stored = std::move(objs.at(m));
  objs.erase(m);
  Stored& target = objs.at(p);
  // The primary keeps its values; the merged record only fills the gaps.
  for (const auto& [name, value] : merged_stored.object.values) {
    target.object.values.emplace(name, value);
  }
  target.object.merged_ids.push_back(m);
  for (int64_t earlier : merged_stored.object.merged_ids)
    target.object.merged_ids.push_back(earlier);
  target.object.updated_ms = now_ms;
  merged_into_[index(kind)][m] = p;

  Change c = change(Change::Kind::merge, kind, p, now_ms);
  c.primary_id = p;
  c.merged_ids = {m};
  c.new_id = p;
  changes.push_back(std::move(c));

  // The merged record's associations move to the primary.
  for (const AssociatedObject& a : moved) {
    int64_t deal = kind == ObjectKind::deal ? m : a.id;
    int64_t company = kind == ObjectKind::deal ? a.id : m;
    deal_companies_[deal].erase(company);
    company_deals_[company].erase(deal);
  }
  for (const AssociatedObject& a : moved) {
    int64_t deal = kind == ObjectKind::deal ? p : a.id;
    int64_t company = kind == ObjectKind::deal ? a.id : p;
    bool deal_has_primary = false;
    for (const auto& [other, is_primary] : deal_companies_[deal]) deal_has_primary |= is_primary;
    associate(deal, company, a.primary && !deal_has_primary, now_ms, changes);
  }
  remember(target, now_ms);
  return target.object;
}

void Portal::unlabeled_changes(int64_t deal_id, int64_t company_id, bool removed, int64_t now_ms,
                               Changes& changes) {
  Change forward = change(Change::Kind::association_change, ObjectKind::deal, deal_id, now_ms);
  forward.from_id = deal_id;
  forward.to_id = company_id;
  forward.removed = removed;
  Change reverse =
      change(Change::Kind::association_change, ObjectKind::company, company_id, now_ms);
  reverse.from_id = company_id;
  reverse.to_id = deal_id;
  reverse.removed = removed;
  changes.push_back(forward);
  changes.push_back(reverse);
}

void Portal::set_primary(int64_t deal_id, int64_t company_id, bool primary, bool removed,
                         int64_t now_ms, Changes& changes) {
  deal_companies_[deal_id][company_id] = primary;
  Change forward = change(Change::Kind::association_change, ObjectKind::deal, deal_id, now_ms);
  forward.from_id = deal_id;
  forward.to_id = company_id;
  forward.removed = removed;
  forward.primary = true;
  Change reverse =
      change(Change::Kind::association_change, ObjectKind::company, company_id, now_ms);
  reverse.from_id = company_id;
  reverse.to_id = deal_id;
  reverse.removed = removed;
  reverse.primary = true;
  changes.push_back(forward);
  changes.push_back(reverse);
}

void Portal::associate(int64_t deal_id, int64_t company_id, bool primary, int64_t now_ms,
                       Changes& changes) {
  auto& companies = deal_companies_[deal_id];
  auto it = companies.find(company_id);
  bool existed = it != companies.end();
  bool was_primary = existed && it->second;
  if (!existed) {
    companies[company_id] = false;
    company_deals_[company_id].insert(deal_id);
    unlabeled_changes(deal_id, company_id, false, now_ms, changes);
  }
  if (primary && !was_primary) {
    // A deal has one primary company: the previous one keeps its unlabeled link.
    for (auto& [other, is_primary] : companies) {
      if (is_primary && other != company_id) {
        set_primary(deal_id, other, false, true, now_ms, changes);
      }
    }
    set_primary(deal_id, company_id, true, false, now_ms, changes);
  }
  for (ObjectKind kind : {ObjectKind::deal, ObjectKind::company}) {
    auto& objs = objects(kind);
    auto obj = objs.find(kind == ObjectKind::deal ? deal_id : company_id);
    if (obj != objs.end()) remember(obj->second, now_ms);
  }
}

bool Portal::dissociate(int64_t deal_id, int64_t company_id, int64_t now_ms, Changes& changes) {
  auto deal = deal_companies_.find(deal_id);
  if (deal == deal_companies_.end()) return false;
  auto it = deal->second.find(company_id);
  if (it == deal->second.end()) return false;
  bool was_primary = it->second;
  deal->second.erase(it);
  company_deals_[company_id].erase(deal_id);
  if (was_primary) {
    Change forward = change(Change::Kind::association_change, ObjectKind::deal, deal_id, now_ms);
    forward.from_id = deal_id;
    forward.to_id = company_id;
    forward.removed = true;
    forward.primary = true;
    Change reverse =
        change(Change::Kind::association_change, ObjectKind::company, company_id, now_ms);
    reverse.from_id = company_id;
    reverse.to_id = deal_id;
    reverse.removed = true;
    reverse.primary = true;
    changes.push_back(forward);
    changes.push_back(reverse);
  }
  unlabeled_changes(deal_id, company_id, true, now_ms, changes);
  return true;
}

std::vector<AssociatedObject> Portal::associated(ObjectKind kind, int64_t id) const {
  std::vector<AssociatedObject> out;
  int64_t resolved = resolve(kind, id);
  if (kind == ObjectKind::deal) {
    auto it = deal_companies_.find(resolved);
    if (it == deal_companies_.end()) return out;
    for (const auto& [company, primary] : it->second) {
      if (find(ObjectKind::company, company) != nullptr) out.push_back({company, primary});
    }
  } else {
    auto it = company_deals_.find(resolved);
    if (it == company_deals_.end()) return out;
    for (int64_t deal : it->second) {
      if (find(ObjectKind::deal, deal) == nullptr) continue;
      bool primary = deal_companies_.at(deal).at(resolved);
      out.push_back({deal, primary});
    }
  }
  return out;
}

std::vector<CrmObject> Portal::search_view(ObjectKind kind, int64_t now_ms) const {
  std::vector<CrmObject> out;
  int64_t horizon = now_ms - search_lag_.count();
  for (const auto& [id, stored] : objects(kind)) {
    if (search_lag_.count() <= 0) {
      if (!stored.object.archived) out.push_back(stored.object);
      continue;
    }
    const CrmObject* seen = nullptr;
    for (const Version& v : stored.versions) {
      if (v.at_ms <= horizon) seen = &v.object;
    }
    if (seen != nullptr && !seen->archived) out.push_back(*seen);
  }
  return out;
}

}  // namespace hbsync::sim_hubspot
