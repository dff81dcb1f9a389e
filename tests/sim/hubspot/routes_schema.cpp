// Pipelines (deals), owners and property definitions.
#include "api_error.hpp"
#include "api_request.hpp"
#include "render.hpp"
#include "simulator.hpp"

namespace hbsync::sim_hubspot {
namespace {

std::vector<std::string> schema_read_scopes(ObjectKind kind) {
  std::string type(plural(kind));
  return {"crm.schemas." + type + ".read", "crm.schemas." + type + ".write",
          "crm.objects." + type + ".read", "crm.objects." + type + ".write"};
}

ObjectKind kind_param(const http::Request& request) {
  std::string name = request.path_param("objectType").value_or("");
  auto kind = parse_object_type(name);
  if (!kind) throw validation_error("Unable to infer object type from: " + name);
  return *kind;
}

// Only deals have pipelines in the simulator.
void require_deals(ObjectKind kind) {
  if (kind != ObjectKind::deal) {
    throw validation_error("The simulator has pipelines for deals only");
  }
}

}  // namespace

void Simulator::install_schema(http::Router& router) {
  api(router, "GET", "/crm/v3/pipelines/{objectType}", {}, Budget::standard,
      [this](http::Request& request, const Caller& caller) {
        ObjectKind kind = kind_param(request);
        require_scopes(caller, schema_read_scopes(kind));
        require_deals(kind);
        std::lock_guard lock(mutex_);
        Portal& p = portal(caller.portal_id);
        return http::Response::json(200, write_json([&](JsonWriter& w) {
                                      w.StartObject();
                                      key(w, "results");
                                      w.StartArray();
                                      for (const Pipeline& pipeline : p.pipelines())
                                        write_pipeline(w, pipeline);
                                      w.EndArray();
                                      w.EndObject();
                                    }));
      });

  api(router, "GET", "/crm/v3/pipelines/{objectType}/{pipelineId}", {}, Budget::standard,
      [this](http::Request& request, const Caller& caller) {
        ObjectKind kind = kind_param(request);
        require_scopes(caller, schema_read_scopes(kind));
        require_deals(kind);
        std::string id = request.path_param("pipelineId").value_or("");
        std::lock_guard lock(mutex_);
        const Pipeline* pipeline = portal(caller.portal_id).pipeline(id);
        if (pipeline == nullptr) throw object_not_found(id);
        return http::Response::json(
            200, write_json([&](JsonWriter& w) { write_pipeline(w, *pipeline); }));
      });

  api(router, "GET", "/crm/v3/pipelines/{objectType}/{pipelineId}/stages", {}, Budget::standard,
      [this](http::Request& request, const Caller& caller) {
        ObjectKind kind = kind_param(request);
        require_scopes(caller, schema_read_scopes(kind));
        require_deals(kind);
        std::string id = request.path_param("pipelineId").value_or("");
        std::lock_guard lock(mutex_);
        const Pipeline* pipeline = portal(caller.portal_id).pipeline(id);
        if (pipeline == nullptr) throw object_not_found(id);
        return http::Response::json(200, write_json([&](JsonWriter& w) {
                                      w.StartObject();
                                      key(w, "results");
                                      w.StartArray();
                                      for (const Stage& stage : pipeline->stages)
                                        write_stage(w, *pipeline, stage);
                                      w.EndArray();
                                      w.EndObject();
                                    }));
      });

  api(router, "GET", "/crm/v3/pipelines/{objectType}/{pipelineId}/stages/{stageId}", {},
      Budget::standard, [this](http::Request& request, const Caller& caller) {
        ObjectKind kind = kind_param(request);
        require_scopes(caller, schema_read_scopes(kind));
        require_deals(kind);
        std::string id = request.path_param("pipelineId").value_or("");
        std::string stage_id = request.path_param("stageId").value_or("");
        std::lock_guard lock(mutex_);
        const Pipeline* pipeline = portal(caller.portal_id).pipeline(id);
        if (pipeline == nullptr) throw object_not_found(id);
        const Stage* stage = pipeline->stage(stage_id);
        if (stage == nullptr) throw object_not_found(stage_id);
        return http::Response::json(
            200, write_json([&](JsonWriter& w) { write_stage(w, *pipeline, *stage); }));
      });

  api(router, "GET", "/crm/v3/owners", {"crm.objects.owners.read"}, Budget::standard,
      [this](http::Request& request, const Caller& caller) {
        auto email = request.query_param("email");
        int64_t limit = query_int(request, "limit", 100, 1, 500);
        int64_t after = 0;
        if (auto a = request.query_param("after")) {
          auto parsed = parse_id(*a);
          if (!parsed) throw validation_error("after must be a paging cursor");
          after = *parsed;
        }
        bool archived = query_flag(request, "archived");
        std::lock_guard lock(mutex_);
        Portal& p = portal(caller.portal_id);
        std::vector<const Owner*> selected;
        for (const auto& [id, owner] : p.owners()) {
          if (owner.archived != archived) continue;
          // HubSpot matches the email exactly, ignoring case.
          if (email && !http::iequals(owner.email, *email)) continue;
          selected.push_back(&owner);
        }
        return http::Response::json(
            200, write_json([&](JsonWriter& w) {
              w.StartObject();
              key(w, "results");
              w.StartArray();
              size_t end = std::min(selected.size(), static_cast<size_t>(after + limit));
              for (size_t i = static_cast<size_t>(std::min<int64_t>(after, selected.size()));
                   i < end; ++i) {
                write_owner(w, *selected[i]);
              }
              w.EndArray();
              if (end < selected.size()) {
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

  api(router, "GET", "/crm/v3/owners/{ownerId}", {"crm.objects.owners.read"}, Budget::standard,
      [this](http::Request& request, const Caller& caller) {
        std::string text = request.path_param("ownerId").value_or("");
        std::string id_property = request.query_param("idProperty").value_or("id");
        if (id_property != "id" && id_property != "userId") {
          throw validation_error("idProperty must be id or userId");
        }
        bool archived = query_flag(request, "archived");
        auto id = parse_id(text);
        std::lock_guard lock(mutex_);
        Portal& p = portal(caller.portal_id);
        const Owner* found = nullptr;
        for (const auto& [owner_id, owner] : p.owners()) {
          int64_t candidate = id_property == "id" ? owner_id : owner.user_id;
          if (id && candidate == *id && owner.archived == archived) found = &owner;
        }
        if (found == nullptr) throw object_not_found(text);
        return http::Response::json(200,
                                    write_json([&](JsonWriter& w) { write_owner(w, *found); }));
      });

  api(router, "GET", "/crm/v3/properties/{objectType}", {}, Budget::standard,
      [this](http::Request& request, const Caller& caller) {
        ObjectKind kind = kind_param(request);
        require_scopes(caller, schema_read_scopes(kind));
        std::lock_guard lock(mutex_);
        Portal& p = portal(caller.portal_id);
        return http::Response::json(200, write_json([&](JsonWriter& w) {
                                      w.StartObject();
                                      key(w, "results");
                                      w.StartArray();
                                      for (const auto& [name, def] : p.properties(kind))
                                        write_property(w, p, def);
                                      w.EndArray();
                                      w.EndObject();
                                    }));
      });

  api(router, "GET", "/crm/v3/properties/{objectType}/{propertyName}", {}, Budget::standard,
      [this](http::Request& request, const Caller& caller) {
        ObjectKind kind = kind_param(request);
        require_scopes(caller, schema_read_scopes(kind));
        std::string name = request.path_param("propertyName").value_or("");
        std::lock_guard lock(mutex_);
        Portal& p = portal(caller.portal_id);
        const PropertyDef* def = p.property(kind, name);
        if (def == nullptr) throw object_not_found(name);
        return http::Response::json(200,
                                    write_json([&](JsonWriter& w) { write_property(w, p, *def); }));
      });

  api(router, "POST", "/crm/v3/properties/{objectType}", {}, Budget::standard,
      [this](http::Request& request, const Caller& caller) {
        ObjectKind kind = kind_param(request);
        require_scopes(caller, {"crm.schemas." + std::string(plural(kind)) + ".write"});
        rapidjson::Document body = json_body(request);
        PropertyDef def = parse_property_create(kind, body, options_.clock());
        std::lock_guard lock(mutex_);
        Portal& p = portal(caller.portal_id);
        const PropertyDef& created = p.add_property(kind, std::move(def));
        return http::Response::json(
            201, write_json([&](JsonWriter& w) { write_property(w, p, created); }));
      });
}

}  // namespace hbsync::sim_hubspot
