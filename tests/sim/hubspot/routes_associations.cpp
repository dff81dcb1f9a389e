// Associations v4 between deals and companies: list, create (labelled and
// default), remove, and the batch read/create/archive/associate-default routes.
#include "api_error.hpp"
#include "api_request.hpp"
#include "render.hpp"
#include "simulator.hpp"

namespace hbsync::sim_hubspot {
namespace {

constexpr int64_t kPageLimit = 500;
constexpr size_t kBatchReadLimit = 1000;
constexpr size_t kBatchWriteLimit = 100;

struct Direction {
  const char* from;
  const char* from_id;
  const char* to;
  ObjectKind kind;
};
constexpr Direction kDirections[] = {
    {"deals", "dealId", "companies", ObjectKind::deal},
    {"companies", "companyId", "deals", ObjectKind::company},
};

std::string fill(std::string pattern, const std::string& from, const std::string& from_id,
                 const std::string& to) {
  for (auto [token, value] : {std::pair<std::string, std::string>{"{from}", from},
                              {"{fromId}", "{" + from_id + "}"},
                              {"{to}", to}}) {
    auto pos = pattern.find(token);
    if (pos != std::string::npos) pattern.replace(pos, token.size(), value);
  }
  return pattern;
}

int64_t from_id(const http::Request& request) {
  for (const char* name : {"dealId", "companyId", "objectId", "fromObjectId"}) {
    if (request.path_param(name)) return path_object_id(request, name);
  }
  throw validation_error("missing object id");
}

std::string id_text(const rapidjson::Value& v) {
  if (v.IsObject() && v.HasMember("id")) {
    const auto& id = v["id"];
    if (id.IsString()) return id.GetString();
    if (id.IsInt64()) return std::to_string(id.GetInt64());
  }
  throw validation_error("expected {\"id\": \"...\"}");
}

// Requires both objects to exist; returns their (deal id, company id) after
// merges are resolved.
std::pair<int64_t, int64_t> pair_ids(const Portal& portal, ObjectKind from, int64_t from_id,
                                     int64_t to_id) {
  const CrmObject* a = portal.find(from, from_id);
  const CrmObject* b = portal.find(other(from), to_id);
  if (a == nullptr) throw object_not_found(std::to_string(from_id));
  if (b == nullptr) throw object_not_found(std::to_string(to_id));
  return from == ObjectKind::deal ? std::make_pair(a->id, b->id) : std::make_pair(b->id, a->id);
}

void write_labels_between(JsonWriter& w, const Portal& portal, ObjectKind from, int64_t from_id,
                          int64_t to_id) {
  bool primary = false;
  for (const AssociatedObject& a : portal.associated(from, from_id)) {
    if (a.id == to_id) primary = a.primary;
  }
  w.StartObject();
  key(w, "fromObjectTypeId");
  string(w, type_id(from));
  key(w, "fromObjectId");
  w.Int64(from_id);
  key(w, "toObjectTypeId");
  string(w, type_id(other(from)));
  key(w, "toObjectId");
  w.Int64(to_id);
  key(w, "labels");
  w.StartArray();
  if (primary) string(w, "Primary");
  w.EndArray();
  w.EndObject();
}

void write_default_result(JsonWriter& w, ObjectKind from, int64_t from_id, int64_t to_id) {
  for (bool reverse : {false, true}) {
    ObjectKind kind = reverse ? other(from) : from;
    w.StartObject();
    key(w, "from");
    w.StartObject();
    key(w, "id");
    string(w, std::to_string(reverse ? to_id : from_id));
    w.EndObject();
    key(w, "to");
    w.StartObject();
    key(w, "id");
    string(w, std::to_string(reverse ? from_id : to_id));
    w.EndObject();
    key(w, "associationSpec");
    w.StartObject();
    key(w, "associationCategory");
    string(w, "HUBSPOT_DEFINED");
    key(w, "associationTypeId");
    w.Int(unlabeled_type_id(kind));
    w.EndObject();
    w.EndObject();
  }
}

}  // namespace

void Simulator::association_api(http::Router& router, const std::string& method,
                                const std::string& pattern, Access access,
                                AssociationHandler handler) {
  auto shared = std::make_shared<AssociationHandler>(std::move(handler));
  for (const Direction& d : kDirections) {
    ObjectKind kind = d.kind;
    // Writing an association changes the "from" record and reads the other.
    api(router, method, fill(pattern, d.from, d.from_id, d.to), object_scopes(kind, access),
        Budget::standard, [shared, kind](http::Request& request, const Caller& caller) {
          require_scopes(caller, object_scopes(other(kind), Access::read));
          return (*shared)(kind, request, caller);
        });
  }
  std::string generic = pattern;
  for (auto [token, value] : {std::pair<std::string, std::string>{"{from}", "{fromObjectType}"},
                              {"{fromId}", "{objectId}"},
                              {"{to}", "{toObjectType}"}}) {
    auto pos = generic.find(token);
    if (pos != std::string::npos) generic.replace(pos, token.size(), value);
  }
  api(router, method, generic, {}, Budget::standard,
      [shared, access](http::Request& request, const Caller& caller) {
        std::string from_name = request.path_param("fromObjectType").value_or("");
        std::string to_name = request.path_param("toObjectType").value_or("");
        auto from = parse_object_type(from_name);
        auto to = parse_object_type(to_name);
        if (!from) throw validation_error("Unable to infer object type from: " + from_name);
        if (!to) throw validation_error("Unable to infer object type from: " + to_name);
        if (*to != other(*from)) {
          throw validation_error("The simulator associates deals with companies only");
        }
        require_scopes(caller, object_scopes(*from, access));
        require_scopes(caller, object_scopes(*to, Access::read));
        return (*shared)(*from, request, caller);
      });
}

void Simulator::install_associations(http::Router& router) {
  association_api(
      router, "GET", "/crm/v4/objects/{from}/{fromId}/associations/{to}", Access::read,
      [this](ObjectKind from, http::Request& request, const Caller& caller) {
        int64_t id = from_id(request);
        int64_t limit = query_int(request, "limit", kPageLimit, 1, kPageLimit);
        int64_t after = 0;
        if (auto a = request.query_param("after")) {
          auto parsed = parse_id(*a);
          if (!parsed) throw validation_error("after must be a paging cursor");
          after = *parsed;
        }
        std::lock_guard lock(mutex_);
        Portal& p = portal(caller.portal_id);
        std::vector<AssociatedObject> targets = p.associated(from, id);
        return http::Response::json(
            200, write_json([&](JsonWriter& w) {
              w.StartObject();
              key(w, "results");
              w.StartArray();
              size_t end = std::min(targets.size(), static_cast<size_t>(after + limit));
              for (size_t i = static_cast<size_t>(std::min<int64_t>(after, targets.size()));
                   i < end; ++i) {
                write_association_target(w, from, targets[i]);
              }
              w.EndArray();
              if (end < targets.size()) {
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

  association_api(
      router, "PUT", "/crm/v4/objects/{from}/{fromId}/associations/{to}/{toObjectId}",
      Access::write, [this](ObjectKind from, http::Request& request, const Caller& caller) {
        int64_t id = from_id(request);
        int64_t to_id = path_object_id(request, "toObjectId");
        rapidjson::Document body = json_body(request);
        bool primary = primary_from_specs(from, body);
        std::lock_guard lock(mutex_);
        Portal& p = portal(caller.portal_id);
        auto [deal, company] = pair_ids(p, from, id, to_id);
        Changes changes;
        p.associate(deal, company, primary, options_.clock(), changes);
        publish(p, changes, source_of(caller));
        int64_t from_resolved = from == ObjectKind::deal ? deal : company;
        int64_t to_resolved = from == ObjectKind::deal ? company : deal;
        return http::Response::json(201, write_json([&](JsonWriter& w) {
                                      write_labels_between(w, p, from, from_resolved, to_resolved);
                                    }));
      });

  association_api(
      router, "PUT", "/crm/v4/objects/{from}/{fromId}/associations/default/{to}/{toObjectId}",
      Access::write, [this](ObjectKind from, http::Request& request, const Caller& caller) {
        int64_t id = from_id(request);
        int64_t to_id = path_object_id(request, "toObjectId");
        std::lock_guard lock(mutex_);
        Portal& p = portal(caller.portal_id);
        auto [deal, company] = pair_ids(p, from, id, to_id);
        int64_t started = options_.clock();
        Changes changes;
        p.associate(deal, company, false, started, changes);
        publish(p, changes, source_of(caller));
        return http::Response::json(200, write_json([&](JsonWriter& w) {
                                      w.StartObject();
                                      key(w, "status");
                                      string(w, "COMPLETE");
                                      key(w, "results");
                                      w.StartArray();
                                      write_default_result(
                                          w, from, from == ObjectKind::deal ? deal : company,
                                          from == ObjectKind::deal ? company : deal);
                                      w.EndArray();
                                      write_batch_times(w, started, options_.clock());
                                      w.EndObject();
                                    }));
      });

  association_api(router, "DELETE",
                  "/crm/v4/objects/{from}/{fromId}/associations/{to}/{toObjectId}", Access::write,
                  [this](ObjectKind from, http::Request& request, const Caller& caller) {
                    int64_t id = from_id(request);
                    int64_t to_id = path_object_id(request, "toObjectId");
                    std::lock_guard lock(mutex_);
                    Portal& p = portal(caller.portal_id);
                    const CrmObject* a = p.find(from, id);
                    const CrmObject* b = p.find(other(from), to_id);
                    if (a != nullptr && b != nullptr) {
                      Changes changes;
                      int64_t deal = from == ObjectKind::deal ? a->id : b->id;
                      int64_t company = from == ObjectKind::deal ? b->id : a->id;
                      p.dissociate(deal, company, options_.clock(), changes);
                      publish(p, changes, source_of(caller));
                    }
                    http::Response response;
                    response.status = 204;
                    return response;
                  });

  association_api(
      router, "POST", "/crm/v4/associations/{from}/{to}/batch/read", Access::read,
      [this](ObjectKind from, http::Request& request, const Caller& caller) {
        rapidjson::Document body = json_body(request);
        const rapidjson::Value& inputs = batch_inputs(body, kBatchReadLimit);
        std::lock_guard lock(mutex_);
        Portal& p = portal(caller.portal_id);
        int64_t started = options_.clock();
        std::vector<std::string> missing;
        std::string found_json = write_json([&](JsonWriter& w) {
          w.StartArray();
          for (const auto& in : inputs.GetArray()) {
            std::string text = id_text(in);
            int64_t after = 0;
            if (in.HasMember("after") && in["after"].IsString()) {
              after = parse_id(in["after"].GetString()).value_or(0);
            }
            auto id = parse_id(text);
            std::vector<AssociatedObject> targets;
            if (id) targets = p.associated(from, *id);
            if (targets.empty()) {
              missing.push_back(text);
              continue;
            }
            w.StartObject();
            key(w, "from");
            w.StartObject();
            key(w, "id");
            string(w, text);
            w.EndObject();
            key(w, "to");
            w.StartArray();
            size_t end = std::min(targets.size(), static_cast<size_t>(after + kPageLimit));
            for (size_t i = static_cast<size_t>(std::min<int64_t>(after, targets.size())); i < end;
                 ++i) {
              write_association_target(w, from, targets[i]);
            }
            w.EndArray();
            if (end < targets.size()) {
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
          }
          w.EndArray();
        });
        int status = missing.empty() ? 200 : 207;
        return http::Response::json(
            status, write_json([&](JsonWriter& w) {
              w.StartObject();
              key(w, "status");
              string(w, "COMPLETE");
              key(w, "results");
              w.RawValue(found_json.data(), found_json.size(), rapidjson::kArrayType);
              if (!missing.empty()) {
                key(w, "numErrors");
                w.Int(static_cast<int>(missing.size()));
                key(w, "errors");
                w.StartArray();
                for (const std::string& id : missing) {
                  write_batch_error(w, "OBJECT_NOT_FOUND", "crm.associations.NO_ASSOCIATIONS_FOUND",
                                    "No " + std::string(singular(other(from))) +
                                        " is associated with " + std::string(singular(from)) + " " +
                                        id + ".",
                                    "fromObjectId", {id});
                }
                w.EndArray();
              }
              write_batch_times(w, started, options_.clock());
              w.EndObject();
            }));
      });

  association_api(router, "POST", "/crm/v4/associations/{from}/{to}/batch/create", Access::write,
                  [this](ObjectKind from, http::Request& request, const Caller& caller) {
                    rapidjson::Document body = json_body(request);
                    const rapidjson::Value& inputs = batch_inputs(body, kBatchWriteLimit);
                    std::lock_guard lock(mutex_);
                    Portal& p = portal(caller.portal_id);
                    int64_t started = options_.clock();
                    struct Item {
                      int64_t deal, company;
                      bool primary;
                    };
                    std::vector<Item> items;
                    std::vector<std::string> missing;
                    for (const auto& in : inputs.GetArray()) {
                      if (!in.IsObject() || !in.HasMember("from") || !in.HasMember("to") ||
                          !in.HasMember("types")) {
                        throw validation_error("each input needs from, to and types");
                      }
                      bool primary = primary_from_specs(from, in["types"]);
                      std::string from_text = id_text(in["from"]);
                      std::string to_text = id_text(in["to"]);
                      auto a = parse_id(from_text);
                      auto b = parse_id(to_text);
                      if (!a || p.find(from, *a) == nullptr) {
                        missing.push_back(from_text);
                        continue;
                      }
                      if (!b || p.find(other(from), *b) == nullptr) {
                        missing.push_back(to_text);
                        continue;
                      }
                      auto [deal, company] = pair_ids(p, from, *a, *b);
                      items.push_back({deal, company, primary});
                    }
                    Changes changes;
                    for (const Item& item : items)
                      p.associate(item.deal, item.company, item.primary, started, changes);
                    publish(p, changes, source_of(caller));
                    int status = missing.empty() ? 201 : 207;
                    return http::Response::json(
                        status, write_json([&](JsonWriter& w) {
                          w.StartObject();
                          key(w, "status");
                          string(w, "COMPLETE");
                          key(w, "results");
                          w.StartArray();
                          for (const Item& item : items) {
                            int64_t a = from == ObjectKind::deal ? item.deal : item.company;
                            int64_t b = from == ObjectKind::deal ? item.company : item.deal;
                            write_labels_between(w, p, from, a, b);
                          }
                          w.EndArray();
                          if (!missing.empty()) {
                            key(w, "numErrors");
                            w.Int(static_cast<int>(missing.size()));
                            key(w, "errors");
                            w.StartArray();
                            for (const std::string& id : missing) {
                              write_batch_error(w, "OBJECT_NOT_FOUND", "",
                                                "Object " + id + " was not found", "ids", {id});
                            }
                            w.EndArray();
                          }
                          write_batch_times(w, started, options_.clock());
                          w.EndObject();
                        }));
                  });

  association_api(router, "POST", "/crm/v4/associations/{from}/{to}/batch/associate/default",
                  Access::write,
                  [this](ObjectKind from, http::Request& request, const Caller& caller) {
                    rapidjson::Document body = json_body(request);
                    const rapidjson::Value& inputs = batch_inputs(body, kBatchWriteLimit);
                    std::lock_guard lock(mutex_);
                    Portal& p = portal(caller.portal_id);
                    int64_t started = options_.clock();
                    std::vector<std::pair<int64_t, int64_t>> pairs;
                    for (const auto& in : inputs.GetArray()) {
                      if (!in.IsObject() || !in.HasMember("from") || !in.HasMember("to")) {
                        throw validation_error("each input needs from and to");
                      }
                      auto a = parse_id(id_text(in["from"]));
                      auto b = parse_id(id_text(in["to"]));
                      if (!a || !b) throw validation_error("object ids must be numeric");
                      pairs.push_back(pair_ids(p, from, *a, *b));
                    }
                    Changes changes;
                    for (auto [deal, company] : pairs)
                      p.associate(deal, company, false, started, changes);
                    publish(p, changes, source_of(caller));
                    return http::Response::json(
                        200, write_json([&](JsonWriter& w) {
                          w.StartObject();
                          key(w, "status");
                          string(w, "COMPLETE");
                          key(w, "results");
                          w.StartArray();
                          for (auto [deal, company] : pairs) {
                            write_default_result(w, from, from == ObjectKind::deal ? deal : company,
                                                 from == ObjectKind::deal ? company : deal);
                          }
                          w.EndArray();
                          write_batch_times(w, started, options_.clock());
                          w.EndObject();
                        }));
                  });

  association_api(router, "POST", "/crm/v4/associations/{from}/{to}/batch/archive", Access::write,
                  [this](ObjectKind from, http::Request& request, const Caller& caller) {
                    rapidjson::Document body = json_body(request);
                    const rapidjson::Value& inputs = batch_inputs(body, kBatchWriteLimit);
                    std::lock_guard lock(mutex_);
                    Portal& p = portal(caller.portal_id);
                    Changes changes;
                    for (const auto& in : inputs.GetArray()) {
                      if (!in.IsObject() || !in.HasMember("from") || !in.HasMember("to") ||
                          !in["to"].IsArray()) {
                        throw validation_error("each input needs from and a to array");
                      }
                      auto a = parse_id(id_text(in["from"]));
                      const CrmObject* from_object = a ? p.find(from, *a) : nullptr;
                      if (from_object == nullptr) continue;
                      for (const auto& t : in["to"].GetArray()) {
                        auto b = parse_id(id_text(t));
                        const CrmObject* to_object = b ? p.find(other(from), *b) : nullptr;
                        if (to_object == nullptr) continue;
                        int64_t deal = from == ObjectKind::deal ? from_object->id : to_object->id;
                        int64_t company =
                            from == ObjectKind::deal ? to_object->id : from_object->id;
                        p.dissociate(deal, company, options_.clock(), changes);
                      }
                    }
                    publish(p, changes, source_of(caller));
                    http::Response response;
                    response.status = 204;
                    return response;
                  });
}

}  // namespace hbsync::sim_hubspot
