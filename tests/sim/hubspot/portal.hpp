// One HubSpot account (portal) in memory: deals, companies, their
// associations, property definitions, pipelines and owners. Pure data and
// rules, no I/O and no locking: the Simulator serialises access. Every write
// reports what changed as Change records, which become webhook events.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "properties.hpp"

namespace hbsync::sim_hubspot {

struct CrmObject {
  int64_t id = 0;
  ObjectKind kind = ObjectKind::deal;
  std::map<std::string, std::string> values;  // set properties only; absent = null
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
  bool archived = false;
  int64_t archived_ms = 0;
  std::vector<int64_t> merged_ids;

  // Stored, computed (hs_object_id, createdate, hs_lastmodifieddate) or none.
  std::optional<std::string> value(const std::string& name) const;
};

struct Stage {
  std::string id;
  std::string label;
  int display_order = 0;
  bool is_closed = false;
  std::string probability = "0.0";  // HubSpot sends metadata values as strings
};

struct Pipeline {
  std::string id;
  std::string label;
  int display_order = 0;
  std::vector<Stage> stages;
  int64_t created_ms = 0;
  int64_t updated_ms = 0;

  const Stage* stage(const std::string& stage_id) const;
};

// HubSpot's default deal pipeline (id "default").
Pipeline default_pipeline(int64_t now_ms);

struct Owner {
  int64_t id = 0;
  std::string email;
  std::string first_name;
  std::string last_name;
  int64_t user_id = 0;
  bool archived = false;
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
};

struct Change {
  enum class Kind { creation, property_change, association_change, deletion, merge };
  Kind kind = Kind::creation;
  ObjectKind object = ObjectKind::deal;  // association: the "from" side
  int64_t object_id = 0;
  int64_t occurred_ms = 0;
  std::string property_name;
  std::string property_value;
  int64_t from_id = 0;
  int64_t to_id = 0;
  bool removed = false;
  bool primary = false;
  int64_t primary_id = 0;
  std::vector<int64_t> merged_ids;
  int64_t new_id = 0;
};
using Changes = std::vector<Change>;

// Property writes as they arrive: name and text (already converted from JSON).
using PropertyInput = std::vector<std::pair<std::string, std::string>>;

// Reads a request's `properties` object; non-scalar values are reported as
// invalid properties.
PropertyInput read_property_input(int64_t portal_id, const rapidjson::Value& properties);

struct AssociatedObject {
  int64_t id = 0;
  bool primary = false;
};

class Portal {
 public:
  Portal(int64_t id, int64_t now_ms, std::chrono::milliseconds search_lag);

  int64_t id() const { return id_; }
  std::string hub_domain;
  std::string user_email;
  int64_t user_id = 0;
  std::set<int64_t> installed_apps;

  // Property definitions (name order).
  const std::map<std::string, PropertyDef>& properties(ObjectKind kind) const;
  const PropertyDef* property(ObjectKind kind, const std::string& name) const;
  // 409 CONFLICT when the name exists.
  const PropertyDef& add_property(ObjectKind kind, PropertyDef def);

  const std::vector<Pipeline>& pipelines() const { return pipelines_; }
  const Pipeline* pipeline(const std::string& id) const;
  // Adds or replaces (same id).
  void put_pipeline(Pipeline pipeline);

  const std::map<int64_t, Owner>& owners() const { return owners_; }
  const Owner& add_owner(Owner owner, int64_t now_ms);

  // Objects. Merged ids resolve to the surviving object.
  const CrmObject* find(ObjectKind kind, int64_t id, bool include_archived = false) const;
  std::vector<const CrmObject*> list(ObjectKind kind, bool archived) const;
  // The object whose unique property (hasUniqueValue) holds `value`
  // (batch read with idProperty), nullptr when none.
  const CrmObject* find_by_unique(ObjectKind kind, const std::string& property,
                                  const std::string& value, bool archived = false) const;

  // Validates every property (400 listing all invalid ones) before changing
  // anything.
  const CrmObject& create(ObjectKind kind, PropertyInput input, int64_t now_ms, Changes& changes);
  const CrmObject& update(ObjectKind kind, int64_t id, PropertyInput input, int64_t now_ms,
                          Changes& changes);
  // Throws 400 listing invalid properties; nothing changes.
  void validate(ObjectKind kind, PropertyInput& input, const CrmObject* existing) const;
  // False when there was nothing to archive.
  bool archive(ObjectKind kind, int64_t id, int64_t now_ms, Changes& changes);
  const CrmObject& merge(ObjectKind kind, int64_t primary_id, int64_t merged_id, int64_t now_ms,
                         Changes& changes);

  // Deal-company associations. `primary`: also the primary (type 5/6) one,
  // replacing the deal's previous primary company; otherwise the unlabeled
  // (341/342) association only, leaving an existing primary label alone.
  void associate(int64_t deal_id, int64_t company_id, bool primary, int64_t now_ms,
                 Changes& changes);
  // Removes every association type between the two; false when none existed.
  bool dissociate(int64_t deal_id, int64_t company_id, int64_t now_ms, Changes& changes);
  // Live objects of the other kind associated with this one, by id.
  std::vector<AssociatedObject> associated(ObjectKind kind, int64_t id) const;

  // What search sees: objects as they were search_lag ago (HubSpot's index
  // trails writes), archived ones excluded.
  std::vector<CrmObject> search_view(ObjectKind kind, int64_t now_ms) const;

 private:
  struct Version {
    int64_t at_ms;
    CrmObject object;
  };
  struct Stored {
    CrmObject object;
    std::deque<Version> versions;  // only with a search lag
  };

  std::map<int64_t, Stored>& objects(ObjectKind kind);
  const std::map<int64_t, Stored>& objects(ObjectKind kind) const;
  int64_t resolve(ObjectKind kind, int64_t id) const;
  void remember(Stored& stored, int64_t now_ms);
  void set_primary(int64_t deal_id, int64_t company_id, bool primary, bool removed, int64_t now_ms,
                   Changes& changes);
  void unlabeled_changes(int64_t deal_id, int64_t company_id, bool removed, int64_t now_ms,
                         Changes& changes);

  int64_t id_;
  std::chrono::milliseconds search_lag_;
  int64_t next_object_id_ = 10000000001;  // above 2^31 on purpose: ids are not int32
  int64_t next_owner_id_ = 100000001;
  std::map<int64_t, Stored> deals_;
  std::map<int64_t, Stored> companies_;
  std::map<int64_t, int64_t> merged_into_[2];
  std::map<int64_t, std::map<int64_t, bool>> deal_companies_;  // deal -> company -> primary
  std::map<int64_t, std::set<int64_t>> company_deals_;
  std::map<std::string, PropertyDef> properties_[2];
  std::vector<Pipeline> pipelines_;
  std::map<int64_t, Owner> owners_;
};

}  // namespace hbsync::sim_hubspot
