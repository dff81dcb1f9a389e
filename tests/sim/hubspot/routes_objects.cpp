// CRM v3 objects (deals, companies): get, list, create, update, archive,
// batch create/read/update/archive, search, merge.
#include <set>

#include "api_error.hpp"
#include "api_request.hpp"
#include "render.hpp"
#include "search.hpp"
#include "simulator.hpp"

namespace hbsync::sim_hubspot {
namespace {

constexpr size_t kBatchLimit = 100;

struct TypeRoute {
  const char* segment;
  ObjectKind kind;
  const char* id_param;
};
constexpr TypeRoute kTypeRoutes[] = {
    {"deals", ObjectKind::deal, "dealId"},
    {"0-3", ObjectKind::deal, "dealId"},
    {"companies", ObjectKind::company, "companyId"},
    {"0-2", ObjectKind::company, "companyId"},
};

std::string replace_id(std::string suffix, const std::string& name) {
  auto pos = suffix.find("{id}");
  if (pos != std::string::npos) suffix.replace(pos, 4, "{" + name + "}");
  return suffix;
}

int64_t object_id(const http::Request& request) {
  for (const char* name : {"dealId", "companyId", "objectId"}) {
    if (request.path_param(name)) return path_object_id(request, name);
  }
  throw validation_error("missing object id");
}

std::vector<std::string> string_array(const rapidjson::Value& body, const char* name) {
  std::vector<std::string> out;
  auto it = body.FindMember(name);
  if (it == body.MemberEnd() || it->value.IsNull()) return out;
  if (!it->value.IsArray()) throw validation_error(std::string(name) + " must be an array");
  for (const auto& v : it->value.GetArray()) {
    if (!v.IsString()) throw validation_error(std::string(name) + " must hold strings");
    out.emplace_back(v.GetString(), v.GetStringLength());
  }
  return out;
}

// An id given as a JSON string (as HubSpot documents) or number.
std::string id_text(const rapidjson::Value& id) {
  if (id.IsString()) return std::string(id.GetString(), id.GetStringLength());
  if (id.IsInt64()) return std::to_string(id.GetInt64());
  throw validation_error("object ids must be strings");
}

// The `id` member of a batch input.
std::string input_id(const rapidjson::Value& input) {
  if (!input.IsObject() || !input.HasMember("id")) {
    throw validation_error("each input needs an id");
  }
  return id_text(input["id"]);
}

struct NewAssociation {
  int64_t to_id;
  bool primary;
};

// `associations` of a create input: [{to:{id}, types:[...]}], validated
// against the portal before anything is written.
std::vector<NewAssociation> read_associations(const Portal& portal, ObjectKind kind,
                                              const rapidjson::Value& input) {
  std::vector<NewAssociation> out;
  auto it = input.FindMember("associations");
  if (it == input.MemberEnd() || it->value.IsNull()) return out;
  if (!it->value.IsArray()) throw validation_error("associations must be an array");
  for (const auto& a : it->value.GetArray()) {
    if (!a.IsObject() || !a.HasMember("to") || !a["to"].IsObject() || !a["to"].HasMember("id") ||
        !a.HasMember("types")) {
      throw validation_error("each association needs to.id and types");
    }
    std::string text = input_id(a["to"]);
    bool primary = primary_from_specs(kind, a["types"]);
    auto id = parse_id(text);
    if (!id || portal.find(other(kind), *id) == nullptr) {
      throw validation_error("Association target " + std::string(singular(other(kind))) + " " +
                             text + " does not exist");
    }
    out.push_back({*id, primary});
  }
  return out;
}

void add_associations(Portal& portal, ObjectKind kind, int64_t id,
                      const std::vector<NewAssociation>& associations, int64_t now,
                      Changes& changes) {
  for (const NewAssociation& a : associations) {
    int64_t deal = kind == ObjectKind::deal ? id : a.to_id;
    int64_t company = kind == ObjectKind::deal ? a.to_id : id;
    portal.associate(deal, company, a.primary, now, changes);
  }
}

std::vector<std::string> input_names(const PropertyInput& input) {
  std::vector<std::string> names;
  for (const auto& [name, value] : input) names.push_back(name);
  return names;
}

}  // namespace

void Simulator::object_api(http::Router& router, const std::string& method,
                           const std::string& suffix, Access access, Budget budget,
                           ObjectHandler handler) {
  auto shared = std::make_shared<ObjectHandler>(std::move(handler));
  for (const TypeRoute& t : kTypeRoutes) {
    ObjectKind kind = t.kind;
    api(router, method,
        std::string("/crm/v3/objects/") + t.segment + replace_id(suffix, t.id_param),
        object_scopes(kind, access), budget,
        [shared, kind](http::Request& request, const Caller& caller) {
          return (*shared)(kind, request, caller);
        });
  }
  // Other spellings HubSpot accepts ("deal", "COMPANIES"); unknown types 400.
  api(router, method, "/crm/v3/objects/{objectType}" + replace_id(suffix, "objectId"), {}, budget,
      [shared, access](http::Request& request, const Caller& caller) {
        std::string name = request.path_param("objectType").value_or("");
        auto kind = parse_object_type(name);
        if (!kind) throw validation_error("Unable to infer object type from: " + name);
        require_scopes(caller, object_scopes(*kind, access));
        return (*shared)(*kind, request, caller);
      });
}

void Simulator::install_objects(http::Router& router) {
  // GET one.
  object_api(router, "GET", "/{id}", Access::read, Budget::standard,
             [this](ObjectKind kind, http::Request& request, const Caller& caller) {
               int64_t id = object_id(request);
               auto properties = list_param(request, "properties");
               auto associations = list_param(request, "associations");
               bool archived = query_flag(request, "archived");
               if (auto id_property = request.query_param("idProperty");
                   id_property && *id_property != "hs_object_id") {
                 throw validation_error("idProperty " + *id_property + " is not a unique property");
               }
               std::lock_guard lock(mutex_);
               Portal& p = portal(caller.portal_id);
               const CrmObject* object = p.find(kind, id, archived);
               if (object == nullptr || object->archived != archived) {
                 throw object_not_found(std::to_string(id));
               }
               return http::Response::json(200, write_json([&](JsonWriter& w) {
                                             write_object(w, p, *object, properties, associations);
                                           }));
             });

  // GET a page.
  object_api(router, "GET", "", Access::read, Budget::standard,
             [this](ObjectKind kind, http::Request& request, const Caller& caller) {
               int64_t limit = query_int(request, "limit", 10, 1, 100);
               int64_t after = 0;
               if (auto a = request.query_param("after")) {
                 auto parsed = parse_id(*a);
                 if (!parsed) throw validation_error("after must be a paging cursor");
                 after = *parsed;
               }
               auto properties = list_param(request, "properties");
               auto associations = list_param(request, "associations");
               bool archived = query_flag(request, "archived");
               std::lock_guard lock(mutex_);
               Portal& p = portal(caller.portal_id);
               auto all = p.list(kind, archived);
               return http::Response::json(
                   200, write_json([&](JsonWriter& w) {
                     w.StartObject();
                     key(w, "results");
                     w.StartArray();
                     size_t end = std::min(all.size(), static_cast<size_t>(after + limit));
                     for (size_t i = static_cast<size_t>(std::min<int64_t>(after, all.size()));
                          i < end; ++i) {
                       write_object(w, p, *all[i], properties, associations);
                     }
                     w.EndArray();
                     if (end < all.size()) {
                       key(w, "paging");
                       w.StartObject();
                       key(w, "next");
                       w.StartObject();
                       key(w, "after");
                       string(w, std::to_string(end));
                       w.EndObject();
                       w.EndObject();
                     }
                     w.EndObject();
                   }));
             });

  // POST create.
  object_api(router, "POST", "", Access::write, Budget::standard,
             [this](ObjectKind kind, http::Request& request, const Caller& caller) {
               rapidjson::Document body = json_body(request);
               if (!body.IsObject() || !body.HasMember("properties")) {
                 throw validation_error("Invalid input JSON: 'properties' is required");
               }
               std::lock_guard lock(mutex_);
               Portal& p = portal(caller.portal_id);
               PropertyInput input = read_property_input(p.id(), body["properties"]);
               auto associations = read_associations(p, kind, body);
               int64_t now = options_.clock();
               Changes changes;
               const CrmObject& created = p.create(kind, input, now, changes);
               add_associations(p, kind, created.id, associations, now, changes);
               publish(p, changes, source_of(caller));
               return http::Response::json(201, write_json([&](JsonWriter& w) {
                                             write_object(w, p, created, input_names(input));
                                           }));
             });

  // PATCH update.
  object_api(router, "PATCH", "/{id}", Access::write, Budget::standard,
             [this](ObjectKind kind, http::Request& request, const Caller& caller) {
               int64_t id = object_id(request);
               rapidjson::Document body = json_body(request);
               if (!body.IsObject() || !body.HasMember("properties")) {
                 throw validation_error("Invalid input JSON: 'properties' is required");
               }
               std::lock_guard lock(mutex_);
               Portal& p = portal(caller.portal_id);
               PropertyInput input = read_property_input(p.id(), body["properties"]);
               Changes changes;
               const CrmObject& updated = p.update(kind, id, input, options_.clock(), changes);
               publish(p, changes, source_of(caller));
               return http::Response::json(200, write_json([&](JsonWriter& w) {
                                             write_object(w, p, updated, input_names(input));
                                           }));
             });

  // DELETE archive.
  object_api(router, "DELETE", "/{id}", Access::write, Budget::standard,
             [this](ObjectKind kind, http::Request& request, const Caller& caller) {
               int64_t id = object_id(request);
               std::lock_guard lock(mutex_);
               Portal& p = portal(caller.portal_id);
               Changes changes;
               p.archive(kind, id, options_.clock(), changes);
               publish(p, changes, source_of(caller));
               http::Response response;
               response.status = 204;
               return response;
             });

  // Batch create: every input is checked before anything is written.
  object_api(router, "POST", "/batch/create", Access::write, Budget::standard,
             [this](ObjectKind kind, http::Request& request, const Caller& caller) {
               rapidjson::Document body = json_body(request);
               const rapidjson::Value& inputs = batch_inputs(body, kBatchLimit);
               std::lock_guard lock(mutex_);
               Portal& p = portal(caller.portal_id);
               int64_t started = options_.clock();
               std::vector<std::pair<PropertyInput, std::vector<NewAssociation>>> prepared;
               for (const auto& in : inputs.GetArray()) {
                 if (!in.IsObject() || !in.HasMember("properties")) {
                   throw validation_error("each input needs properties");
                 }
                 PropertyInput input = read_property_input(p.id(), in["properties"]);
                 p.validate(kind, input, nullptr);
                 prepared.emplace_back(std::move(input), read_associations(p, kind, in));
               }
               Changes changes;
               std::vector<const CrmObject*> created;
               for (auto& [input, associations] : prepared) {
                 const CrmObject& object = p.create(kind, input, started, changes);
                 add_associations(p, kind, object.id, associations, started, changes);
                 created.push_back(&object);
               }
               publish(p, changes, source_of(caller));
               return http::Response::json(201, write_json([&](JsonWriter& w) {
                                             w.StartObject();
                                             key(w, "status");
                                             string(w, "COMPLETE");
                                             key(w, "results");
                                             w.StartArray();
                                             for (size_t i = 0; i < created.size(); ++i) {
                                               write_object(w, p, *created[i],
                                                            input_names(prepared[i].first));
                                             }
                                             w.EndArray();
                                             write_batch_times(w, started, options_.clock());
                                             w.EndObject();
                                           }));
             });

  // Batch read: missing ids -> 207 with one OBJECT_NOT_FOUND error naming them.
  object_api(
      router, "POST", "/batch/read", Access::read, Budget::standard,
      [this](ObjectKind kind, http::Request& request, const Caller& caller) {
        rapidjson::Document body = json_body(request);
        const rapidjson::Value& inputs = batch_inputs(body, kBatchLimit);
        auto properties = string_array(body, "properties");
        std::string id_property = "hs_object_id";
        if (auto it = body.FindMember("idProperty");
            it != body.MemberEnd() && it->value.IsString()) {
          id_property = it->value.GetString();
        }
        bool archived = query_flag(request, "archived");
        std::lock_guard lock(mutex_);
        Portal& p = portal(caller.portal_id);
        // HubSpot: "by ID or by a unique property (idProperty)": a
        // property created with hasUniqueValue; the inputs' ids are
        // then its values.
        const PropertyDef* unique = p.property(kind, id_property);
        if (id_property != "hs_object_id" && (unique == nullptr || !unique->has_unique_value)) {
          throw validation_error("idProperty " + id_property + " is not a unique property");
        }
        int64_t started = options_.clock();
        std::vector<const CrmObject*> found;
        std::vector<std::string> missing;
        std::set<int64_t> seen;
        for (const auto& in : inputs.GetArray()) {
          std::string text = input_id(in);
          const CrmObject* object = nullptr;
          if (id_property == "hs_object_id") {
            auto id = parse_id(text);
            object = id ? p.find(kind, *id, archived) : nullptr;
          } else {
            object = p.find_by_unique(kind, id_property, text, archived);
          }
          if (object == nullptr || object->archived != archived) {
            missing.push_back(text);
          } else if (seen.insert(object->id).second) {
            found.push_back(object);
          }
        }
        int status = missing.empty() ? 200 : 207;
        return http::Response::json(
            status, write_json([&](JsonWriter& w) {
              w.StartObject();
              key(w, "status");
              string(w, "COMPLETE");
              key(w, "results");
              w.StartArray();
              for (const CrmObject* object : found) write_object(w, p, *object, properties);
              w.EndArray();
              if (!missing.empty()) {
                key(w, "numErrors");
                w.Int(1);
                key(w, "errors");
                w.StartArray();
                write_batch_error(
                    w, "OBJECT_NOT_FOUND", "",
                    "Could not get some " + std::string(upper(kind)) +
                        " objects, they may be deleted or not exist. Check that ids are "
                        "valid.",
                    "ids", missing);
                w.EndArray();
              }
              write_batch_times(w, started, options_.clock());
              w.EndObject();
            }));
      });

  // Batch update: invalid properties reject the whole batch (400); ids that
  // do not exist come back as errors next to the updated ones (207).
  object_api(router, "POST", "/batch/update", Access::write, Budget::standard,
             [this](ObjectKind kind, http::Request& request, const Caller& caller) {
               rapidjson::Document body = json_body(request);
               const rapidjson::Value& inputs = batch_inputs(body, kBatchLimit);
               std::lock_guard lock(mutex_);
               Portal& p = portal(caller.portal_id);
               int64_t started = options_.clock();
               std::vector<std::pair<int64_t, PropertyInput>> prepared;
               std::vector<std::string> missing;
               std::set<std::string> ids;
               for (const auto& in : inputs.GetArray()) {
                 std::string text = input_id(in);
                 if (!ids.insert(text).second) {
                   throw validation_error("Duplicate IDs found in batch input: [" + text +
                                          "]. IDs must be unique");
                 }
                 if (!in.HasMember("properties"))
                   throw validation_error("each input needs properties");
                 PropertyInput input = read_property_input(p.id(), in["properties"]);
                 auto id = parse_id(text);
                 const CrmObject* object = id ? p.find(kind, *id) : nullptr;
                 if (object == nullptr) {
                   missing.push_back(text);
                   continue;
                 }
                 p.validate(kind, input, object);
                 prepared.emplace_back(*id, std::move(input));
               }
               Changes changes;
               std::vector<std::pair<const CrmObject*, std::vector<std::string>>> updated;
               for (auto& [id, input] : prepared) {
                 const CrmObject& object = p.update(kind, id, input, started, changes);
                 updated.emplace_back(&object, input_names(input));
               }
               publish(p, changes, source_of(caller));
               int status = missing.empty() ? 200 : 207;
               return http::Response::json(
                   status, write_json([&](JsonWriter& w) {
                     w.StartObject();
                     key(w, "status");
                     string(w, "COMPLETE");
                     key(w, "results");
                     w.StartArray();
                     for (const auto& [object, names] : updated) write_object(w, p, *object, names);
                     w.EndArray();
                     if (!missing.empty()) {
                       key(w, "numErrors");
                       w.Int(static_cast<int>(missing.size()));
                       key(w, "errors");
                       w.StartArray();
                       for (const std::string& id : missing) {
                         write_batch_error(w, "OBJECT_NOT_FOUND", "",
                                           std::string(upper(kind)) + " " + id + " was not found",
                                           "ids", {id});
                       }
                       w.EndArray();
                     }
                     write_batch_times(w, started, options_.clock());
                     w.EndObject();
                   }));
             });

  object_api(router, "POST", "/batch/archive", Access::write, Budget::standard,
             [this](ObjectKind kind, http::Request& request, const Caller& caller) {
               rapidjson::Document body = json_body(request);
               const rapidjson::Value& inputs = batch_inputs(body, kBatchLimit);
               std::lock_guard lock(mutex_);
               Portal& p = portal(caller.portal_id);
               Changes changes;
               for (const auto& in : inputs.GetArray()) {
                 if (auto id = parse_id(input_id(in)))
                   p.archive(kind, *id, options_.clock(), changes);
               }
               publish(p, changes, source_of(caller));
               http::Response response;
               response.status = 204;
               return response;
             });

  object_api(router, "POST", "/search", Access::read, Budget::search,
             [this](ObjectKind kind, http::Request& request, const Caller& caller) {
               rapidjson::Document body = json_body(request);
               std::lock_guard lock(mutex_);
               Portal& p = portal(caller.portal_id);
               SearchRequest search = parse_search(p, kind, body);
               SearchResult result = run_search(p, kind, search, options_.clock());
               return http::Response::json(200, write_json([&](JsonWriter& w) {
                                             w.StartObject();
                                             key(w, "total");
                                             w.Int64(result.total);
                                             key(w, "results");
                                             w.StartArray();
                                             for (const CrmObject& object : result.page) {
                                               write_object(w, p, object, search.properties);
                                             }
                                             w.EndArray();
                                             if (result.next_after) {
                                               key(w, "paging");
                                               w.StartObject();
                                               key(w, "next");
                                               w.StartObject();
                                               key(w, "after");
                                               string(w, std::to_string(*result.next_after));
                                               w.EndObject();
                                               w.EndObject();
                                             }
                                             w.EndObject();
                                           }));
             });

  object_api(router, "POST", "/merge", Access::write, Budget::standard,
             [this](ObjectKind kind, http::Request& request, const Caller& caller) {
               rapidjson::Document body = json_body(request);
               if (!body.IsObject() || !body.HasMember("primaryObjectId") ||
                   !body.HasMember("objectIdToMerge")) {
                 throw validation_error("primaryObjectId and objectIdToMerge are required");
               }
               auto primary = parse_id(id_text(body["primaryObjectId"]));
               auto merged = parse_id(id_text(body["objectIdToMerge"]));
               if (!primary || !merged) throw validation_error("object ids must be numeric");
               std::lock_guard lock(mutex_);
               Portal& p = portal(caller.portal_id);
               Changes changes;
               const CrmObject& survivor =
                   p.merge(kind, *primary, *merged, options_.clock(), changes);
               publish(p, changes, source_of(caller));
               return http::Response::json(
                   200, write_json([&](JsonWriter& w) { write_object(w, p, survivor, {}); }));
             });
}

}  // namespace hbsync::sim_hubspot
