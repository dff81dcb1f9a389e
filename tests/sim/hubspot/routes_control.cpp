// The HubSpot-specific control routes under /_sim/ (the common ones come
// from simkit): portals, apps, tokens, owners, pipelines, objects changed "by
// a user", merges and webhook delivery. Documented in docs/simulators.md.
#include <rapidjson/document.h>

#include <chrono>
#include <memory>
#include <stdexcept>

#include "api_error.hpp"
#include "hbsync/log/log.hpp"
#include "hbsync/simkit/json.hpp"
#include "render.hpp"
#include "simulator.hpp"

namespace hbsync::sim_hubspot {
namespace {

using Control = std::function<http::Response(http::Request&, const rapidjson::Document&)>;

// Control bodies are JSON objects (empty means {}); bad input is a 400
// {"error": ...}; portal rule violations keep HubSpot's error body.
http::SyncHandler control(Control handler) {
  return [handler = std::move(handler)](http::Request& request) {
    rapidjson::Document body;
    if (request.body.empty()) {
      body.SetObject();
    } else if (auto error = simkit::parse_json(request.body, body)) {
      return http::Response::error(400, *error);
    }
    try {
      return handler(request, body);
    } catch (const ApiError& e) {
      return to_response(e);
    } catch (const std::invalid_argument& e) {
      return http::Response::error(400, e.what());
    }
  };
}

int64_t portal_param(const http::Request& request) {
  auto id = parse_id(request.path_param("portalId").value_or(""));
  if (!id || *id == 0) throw std::invalid_argument("portalId must be a positive integer");
  return *id;
}

ObjectKind type_param(const http::Request& request, const std::string& name) {
  auto kind = parse_object_type(request.path_param(name).value_or(""));
  if (!kind) throw std::invalid_argument("object type must be deals or companies");
  return *kind;
}

std::optional<std::string> opt_string(const rapidjson::Value& body, const char* name) {
  auto it = body.FindMember(name);
  if (it == body.MemberEnd() || it->value.IsNull()) return std::nullopt;
  if (!it->value.IsString()) throw std::invalid_argument(std::string(name) + " must be a string");
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

std::optional<int64_t> opt_int(const rapidjson::Value& body, const char* name) {
  auto it = body.FindMember(name);
  if (it == body.MemberEnd() || it->value.IsNull()) return std::nullopt;
  if (it->value.IsInt64()) return it->value.GetInt64();
  if (it->value.IsString()) {
    if (auto id = parse_id(it->value.GetString())) return *id;
  }
  throw std::invalid_argument(std::string(name) + " must be an integer");
}

std::optional<std::vector<std::string>> opt_strings(const rapidjson::Value& body,
                                                    const char* name) {
  auto it = body.FindMember(name);
  if (it == body.MemberEnd() || it->value.IsNull()) return std::nullopt;
  if (!it->value.IsArray()) throw std::invalid_argument(std::string(name) + " must be an array");
  std::vector<std::string> out;
  for (const auto& v : it->value.GetArray()) {
    if (!v.IsString()) throw std::invalid_argument(std::string(name) + " must hold strings");
    out.emplace_back(v.GetString(), v.GetStringLength());
  }
  return out;
}

void write_app(JsonWriter& w, const App& app) {
  w.StartObject();
  key(w, "appId");
  w.Int64(app.app_id);
  key(w, "clientId");
  string(w, app.client_id);
  // Test credentials: a test needs the secret to verify signatures.
  key(w, "clientSecret");
  string(w, app.client_secret);
  key(w, "redirectUris");
  w.StartArray();
  for (const auto& uri : app.redirect_uris) string(w, uri);
  w.EndArray();
  key(w, "webhookUrl");
  string(w, app.webhook_url);
  key(w, "maxConcurrentRequests");
  w.Int(app.max_concurrent);
  key(w, "subscriptions");
  w.StartArray();
  for (const auto& s : app.subscriptions) string(w, s);
  w.EndArray();
  w.EndObject();
}

void apply_app_settings(App& app, const rapidjson::Value& body) {
  if (auto v = opt_strings(body, "redirectUris")) app.redirect_uris = *v;
  if (auto v = opt_string(body, "webhookUrl")) app.webhook_url = *v;
  if (auto v = opt_int(body, "maxConcurrentRequests")) {
    // HubSpot's throttling setting: at least 5 concurrent requests.
    if (*v < 5 || *v > 1000) {
      throw std::invalid_argument("maxConcurrentRequests must be from 5 to 1000");
    }
    app.max_concurrent = static_cast<int>(*v);
  }
  if (auto v = opt_strings(body, "subscriptions")) {
    app.subscriptions = std::set<std::string>(v->begin(), v->end());
  }
}

}  // namespace

void Simulator::install_control(http::Router& router) {
  auto write_portal = [this](JsonWriter& w, const Portal& p) {
    w.StartObject();
    key(w, "portalId");
    w.Int64(p.id());
    key(w, "hubDomain");
    string(w, p.hub_domain);
    key(w, "userEmail");
    string(w, p.user_email);
    key(w, "userId");
    w.Int64(p.user_id);
    key(w, "installedApps");
    w.StartArray();
    for (int64_t app : p.installed_apps) w.Int64(app);
    w.EndArray();
    key(w, "deals");
    w.Uint64(p.list(ObjectKind::deal, false).size());
    key(w, "companies");
    w.Uint64(p.list(ObjectKind::company, false).size());
    key(w, "owners");
    w.Uint64(p.owners().size());
    key(w, "pipelines");
    w.Uint64(p.pipelines().size());
    w.EndObject();
  };

  router.add_sync("GET", "/_sim/portals", [this, write_portal](http::Request&) {
    std::lock_guard lock(mutex_);
    return http::Response::json(200, write_json([&](JsonWriter& w) {
                                  w.StartObject();
                                  key(w, "portals");
                                  w.StartArray();
                                  for (const auto& [id, p] : portals_) write_portal(w, *p);
                                  w.EndArray();
                                  w.EndObject();
                                }));
  });

  router.add_sync("POST", "/_sim/portals",
                  control([this, write_portal](http::Request&, const rapidjson::Document& body) {
                    std::lock_guard lock(mutex_);
                    int64_t id = opt_int(body, "portalId").value_or(0);
                    if (id != 0 && portals_.count(id) > 0) {
                      return http::Response::error(409, "portal exists");
                    }
                    Portal& p = ensure_portal(id);
                    if (auto v = opt_string(body, "hubDomain")) p.hub_domain = *v;
                    if (auto v = opt_string(body, "userEmail")) p.user_email = *v;
                    if (auto v = opt_int(body, "userId")) p.user_id = *v;
                    return http::Response::json(
                        201, write_json([&](JsonWriter& w) { write_portal(w, p); }));
                  }));

  router.add_sync("GET", "/_sim/portals/{portalId}",
                  control([this, write_portal](http::Request& request, const rapidjson::Document&) {
                    std::lock_guard lock(mutex_);
                    Portal& p = portal(portal_param(request));
                    return http::Response::json(
                        200, write_json([&](JsonWriter& w) { write_portal(w, p); }));
                  }));

  router.add_sync("GET", "/_sim/apps", [this](http::Request&) {
    std::lock_guard lock(mutex_);
    return http::Response::json(200, write_json([&](JsonWriter& w) {
                                  w.StartObject();
                                  key(w, "apps");
                                  w.StartArray();
                                  for (const App* app : oauth_.apps()) write_app(w, *app);
                                  w.EndArray();
                                  w.EndObject();
                                }));
  });

  router.add_sync(
      "POST", "/_sim/apps", control([this](http::Request&, const rapidjson::Document& body) {
        App app;
        app.app_id = opt_int(body, "appId").value_or(0);
        app.client_id = opt_string(body, "clientId").value_or(new_correlation_id());
        app.client_secret = opt_string(body, "clientSecret").value_or(new_correlation_id());
        apply_app_settings(app, body);
        std::lock_guard lock(mutex_);
        const App& added = oauth_.add_app(std::move(app));
        return http::Response::json(201, write_json([&](JsonWriter& w) { write_app(w, added); }));
      }));

  router.add_sync("PATCH", "/_sim/apps/{appId}",
                  control([this](http::Request& request, const rapidjson::Document& body) {
                    auto id = parse_id(request.path_param("appId").value_or(""));
                    std::lock_guard lock(mutex_);
                    App* app = id ? oauth_.app(*id) : nullptr;
                    if (app == nullptr) return http::Response::error(404, "no such app");
                    apply_app_settings(*app, body);
                    return http::Response::json(
                        200, write_json([&](JsonWriter& w) { write_app(w, *app); }));
                  }));

  router.add_sync(
      "POST", "/_sim/portals/{portalId}/install",
      control([this, write_portal](http::Request& request, const rapidjson::Document& body) {
        std::lock_guard lock(mutex_);
        Portal& p = portal(portal_param(request));
        auto app_id = opt_int(body, "appId");
        App* app = app_id ? oauth_.app(*app_id) : nullptr;
        if (app == nullptr) return http::Response::error(404, "no such app");
        p.installed_apps.insert(app->app_id);
        return http::Response::json(200, write_json([&](JsonWriter& w) { write_portal(w, p); }));
      }));

  router.add_sync("POST", "/_sim/portals/{portalId}/tokens",
                  control([this](http::Request& request, const rapidjson::Document& body) {
                    std::lock_guard lock(mutex_);
                    Portal& p = portal(portal_param(request));
                    std::vector<std::string> scopes =
                        opt_strings(body, "scopes").value_or(all_scopes());
                    auto token = opt_string(body, "token");
                    auto app_id = opt_int(body, "appId");
                    if (token) {
                      if (token->empty()) throw std::invalid_argument("token must not be empty");
                      oauth_.add_static(*token, scopes, installation(p));
                      return http::Response::json(201, write_json([&](JsonWriter& w) {
                                                    w.StartObject();
                                                    key(w, "access_token");
                                                    string(w, *token);
                                                    key(w, "portalId");
                                                    w.Int64(p.id());
                                                    w.EndObject();
                                                  }));
                    }
                    App* app = app_id ? oauth_.app(*app_id) : nullptr;
                    if (app == nullptr)
                      return http::Response::error(400, "give token, or appId of an app");
                    int64_t ttl_ms = opt_int(body, "ttlMs").value_or(0);
                    p.installed_apps.insert(app->app_id);
                    OAuthStore::Grant grant = oauth_.issue(*app, scopes, installation(p),
                                                           std::chrono::milliseconds(ttl_ms));
                    const TokenInfo& info = *grant.access;
                    return http::Response::json(
                        201, write_json([&](JsonWriter& w) {
                          w.StartObject();
                          key(w, "access_token");
                          string(w, info.token);
                          key(w, "refresh_token");
                          string(w, grant.refresh_token);
                          key(w, "expires_in");
                          w.Int64(std::max<int64_t>(1, (info.expires_ms - info.issued_ms) / 1000));
                          key(w, "portalId");
                          w.Int64(p.id());
                          key(w, "appId");
                          w.Int64(app->app_id);
                          w.EndObject();
                        }));
                  }));

  router.add_sync("POST", "/_sim/portals/{portalId}/owners",
                  control([this](http::Request& request, const rapidjson::Document& body) {
                    Owner owner;
                    owner.id = opt_int(body, "id").value_or(0);
                    owner.email = opt_string(body, "email").value_or("");
                    if (owner.email.empty()) throw std::invalid_argument("email is required");
                    owner.first_name = opt_string(body, "firstName").value_or("");
                    owner.last_name = opt_string(body, "lastName").value_or("");
                    owner.user_id = opt_int(body, "userId").value_or(0);
                    std::lock_guard lock(mutex_);
                    Portal& p = portal(portal_param(request));
                    const Owner& added = p.add_owner(owner, options_.clock());
                    return http::Response::json(
                        201, write_json([&](JsonWriter& w) { write_owner(w, added); }));
                  }));

  router.add_sync(
      "POST", "/_sim/portals/{portalId}/pipelines",
      control([this](http::Request& request, const rapidjson::Document& body) {
        Pipeline pipeline;
        pipeline.id = opt_string(body, "id").value_or("");
        pipeline.label = opt_string(body, "label").value_or(pipeline.id);
        pipeline.display_order = static_cast<int>(opt_int(body, "displayOrder").value_or(0));
        if (pipeline.id.empty()) throw std::invalid_argument("id is required");
        auto it = body.FindMember("stages");
        if (it == body.MemberEnd() || !it->value.IsArray() || it->value.Empty()) {
          throw std::invalid_argument("stages must be a non-empty array");
        }
        int order = 0;
        for (const auto& s : it->value.GetArray()) {
          if (!s.IsObject()) throw std::invalid_argument("each stage must be an object");
          Stage stage;
          stage.id = opt_string(s, "id").value_or("");
          if (stage.id.empty()) throw std::invalid_argument("each stage needs an id");
          stage.label = opt_string(s, "label").value_or(stage.id);
          stage.display_order = static_cast<int>(opt_int(s, "displayOrder").value_or(order));
          ++order;
          if (auto c = s.FindMember("isClosed"); c != s.MemberEnd()) {
            if (!c->value.IsBool()) throw std::invalid_argument("isClosed must be a boolean");
            stage.is_closed = c->value.GetBool();
          }
          if (auto pr = s.FindMember("probability"); pr != s.MemberEnd()) {
            auto text = property_text(pr->value);
            if (!text) throw std::invalid_argument("probability must be a number or string");
            stage.probability = *text;
          }
          pipeline.stages.push_back(std::move(stage));
        }
        std::lock_guard lock(mutex_);
        Portal& p = portal(portal_param(request));
        pipeline.created_ms = pipeline.updated_ms = options_.clock();
        p.put_pipeline(pipeline);
        return http::Response::json(
            201, write_json([&](JsonWriter& w) { write_pipeline(w, *p.pipeline(pipeline.id)); }));
      }));

  // Objects as a HubSpot user sees them: every property, archived ones on request.
  router.add_sync("GET", "/_sim/portals/{portalId}/objects/{objectType}",
                  control([this](http::Request& request, const rapidjson::Document&) {
                    ObjectKind kind = type_param(request, "objectType");
                    bool archived = request.query_param("archived").value_or("") == "true";
                    std::lock_guard lock(mutex_);
                    Portal& p = portal(portal_param(request));
                    std::vector<std::string> names;
                    for (const auto& [name, def] : p.properties(kind)) names.push_back(name);
                    return http::Response::json(
                        200, write_json([&](JsonWriter& w) {
                          w.StartObject();
                          key(w, "results");
                          w.StartArray();
                          for (const CrmObject* object : p.list(kind, archived)) {
                            write_object(w, p, *object, names, {std::string(plural(other(kind)))});
                          }
                          w.EndArray();
                          w.EndObject();
                        }));
                  }));

  // Changes made "in the HubSpot UI": webhooks with changeSource CRM_UI, no
  // rate limit, no token.
  router.add_sync("POST", "/_sim/portals/{portalId}/objects/{objectType}",
                  control([this](http::Request& request, const rapidjson::Document& body) {
                    ObjectKind kind = type_param(request, "objectType");
                    if (!body.HasMember("properties"))
                      throw std::invalid_argument("properties is required");
                    std::lock_guard lock(mutex_);
                    Portal& p = portal(portal_param(request));
                    PropertyInput input = read_property_input(p.id(), body["properties"]);
                    std::vector<std::pair<int64_t, bool>> links;
                    if (auto it = body.FindMember("associations"); it != body.MemberEnd()) {
                      if (!it->value.IsArray())
                        throw std::invalid_argument("associations must be an array");
                      for (const auto& a : it->value.GetArray()) {
                        auto id = opt_int(a, "id");
                        if (!id || p.find(other(kind), *id) == nullptr) {
                          throw std::invalid_argument("association target does not exist");
                        }
                        bool primary = a.HasMember("primary") && a["primary"].IsBool() &&
                                       a["primary"].GetBool();
                        links.emplace_back(*id, primary);
                      }
                    }
                    int64_t now = options_.clock();
                    Changes changes;
                    const CrmObject& created = p.create(kind, input, now, changes);
                    for (auto [other_id, primary] : links) {
                      int64_t deal = kind == ObjectKind::deal ? created.id : other_id;
                      int64_t company = kind == ObjectKind::deal ? other_id : created.id;
                      p.associate(deal, company, primary, now, changes);
                    }
                    publish(p, changes, user_source(p));
                    std::vector<std::string> names;
                    for (const auto& [name, def] : p.properties(kind)) names.push_back(name);
                    return http::Response::json(201, write_json([&](JsonWriter& w) {
                                                  write_object(w, p, created, names,
                                                               {std::string(plural(other(kind)))});
                                                }));
                  }));

  router.add_sync("PATCH", "/_sim/portals/{portalId}/objects/{objectType}/{objectId}",
                  control([this](http::Request& request, const rapidjson::Document& body) {
                    ObjectKind kind = type_param(request, "objectType");
                    auto id = parse_id(request.path_param("objectId").value_or(""));
                    if (!id) throw std::invalid_argument("objectId must be numeric");
                    if (!body.HasMember("properties"))
                      throw std::invalid_argument("properties is required");
                    std::lock_guard lock(mutex_);
                    Portal& p = portal(portal_param(request));
                    PropertyInput input = read_property_input(p.id(), body["properties"]);
                    Changes changes;
                    const CrmObject& updated =
                        p.update(kind, *id, input, options_.clock(), changes);
                    publish(p, changes, user_source(p));
                    std::vector<std::string> names;
                    for (const auto& [name, def] : p.properties(kind)) names.push_back(name);
                    return http::Response::json(200, write_json([&](JsonWriter& w) {
                                                  write_object(w, p, updated, names,
                                                               {std::string(plural(other(kind)))});
                                                }));
                  }));

  router.add_sync("DELETE", "/_sim/portals/{portalId}/objects/{objectType}/{objectId}",
                  control([this](http::Request& request, const rapidjson::Document&) {
                    ObjectKind kind = type_param(request, "objectType");
                    auto id = parse_id(request.path_param("objectId").value_or(""));
                    if (!id) throw std::invalid_argument("objectId must be numeric");
                    std::lock_guard lock(mutex_);
                    Portal& p = portal(portal_param(request));
                    Changes changes;
                    if (!p.archive(kind, *id, options_.clock(), changes)) {
                      return http::Response::error(404, "no such object");
                    }
                    publish(p, changes, user_source(p));
                    return http::Response::json(200, "{\"archived\":true}");
                  }));

  auto association = [this](bool add) {
    return control([this, add](http::Request& request, const rapidjson::Document& body) {
      auto deal = opt_int(body, "dealId");
      auto company = opt_int(body, "companyId");
      if (!deal || !company) throw std::invalid_argument("dealId and companyId are required");
      bool primary =
          body.HasMember("primary") && body["primary"].IsBool() && body["primary"].GetBool();
      std::lock_guard lock(mutex_);
      Portal& p = portal(portal_param(request));
      const CrmObject* d = p.find(ObjectKind::deal, *deal);
      const CrmObject* c = p.find(ObjectKind::company, *company);
      if (d == nullptr || c == nullptr)
        return http::Response::error(404, "no such deal or company");
      Changes changes;
      if (add) {
        p.associate(d->id, c->id, primary, options_.clock(), changes);
      } else {
        p.dissociate(d->id, c->id, options_.clock(), changes);
      }
      publish(p, changes, user_source(p));
      return http::Response::json(
          200, write_json([&](JsonWriter& w) {
            w.StartObject();
            key(w, "dealId");
            w.Int64(d->id);
            key(w, "companies");
            w.StartArray();
            for (const AssociatedObject& a : p.associated(ObjectKind::deal, d->id)) {
              write_association_target(w, ObjectKind::deal, a);
            }
            w.EndArray();
            w.EndObject();
          }));
    });
  };
  router.add_sync("PUT", "/_sim/portals/{portalId}/associations", association(true));
  router.add_sync("DELETE", "/_sim/portals/{portalId}/associations", association(false));

  router.add_sync("POST", "/_sim/portals/{portalId}/merge",
                  control([this](http::Request& request, const rapidjson::Document& body) {
                    auto type = opt_string(body, "type").value_or("");
                    auto kind = parse_object_type(type);
                    if (!kind) throw std::invalid_argument("type must be deals or companies");
                    auto primary = opt_int(body, "primary");
                    auto merged = opt_int(body, "merged");
                    if (!primary || !merged) {
                      throw std::invalid_argument("primary and merged are required");
                    }
                    std::lock_guard lock(mutex_);
                    Portal& p = portal(portal_param(request));
                    Changes changes;
                    const CrmObject& survivor =
                        p.merge(*kind, *primary, *merged, options_.clock(), changes);
                    publish(p, changes, user_source(p));
                    return http::Response::json(
                        200, write_json([&](JsonWriter& w) { write_object(w, p, survivor, {}); }));
                  }));

  router.add_sync("GET", "/_sim/webhooks", [this](http::Request& request) {
    std::optional<int64_t> portal_id;
    if (auto v = request.query_param("portalId")) portal_id = parse_id(*v);
    size_t limit = 200;
    if (auto v = request.query_param("limit")) {
      limit = static_cast<size_t>(parse_id(*v).value_or(200));
    }
    return http::Response::json(200, delivery_->to_json(portal_id, limit));
  });

  router.add_sync("POST", "/_sim/webhooks/settings",
                  control([this](http::Request&, const rapidjson::Document& body) {
                    if (auto it = body.FindMember("paused"); it != body.MemberEnd()) {
                      if (!it->value.IsBool()) throw std::invalid_argument("paused: boolean");
                      delivery_->set_paused(it->value.GetBool());
                    }
                    if (auto it = body.FindMember("duplicate"); it != body.MemberEnd()) {
                      if (it->value.IsBool()) {
                        delivery_->set_duplicate(it->value.GetBool() ? 1.0 : 0.0);
                      } else if (it->value.IsNumber() && it->value.GetDouble() >= 0 &&
                                 it->value.GetDouble() <= 1) {
                        delivery_->set_duplicate(it->value.GetDouble());
                      } else {
                        throw std::invalid_argument("duplicate: boolean or probability 0..1");
                      }
                    }
                    if (auto it = body.FindMember("reorder"); it != body.MemberEnd()) {
                      if (!it->value.IsBool()) throw std::invalid_argument("reorder: boolean");
                      delivery_->set_reorder(it->value.GetBool());
                    }
                    return http::Response::json(200, delivery_->to_json(std::nullopt, 0));
                  }));
  router.add_sync("POST", "/_sim/webhooks/pause", [this](http::Request&) {
    delivery_->set_paused(true);
    return http::Response::json(200, delivery_->to_json(std::nullopt, 0));
  });
  router.add_sync("POST", "/_sim/webhooks/resume", [this](http::Request&) {
    delivery_->set_paused(false);
    return http::Response::json(200, delivery_->to_json(std::nullopt, 0));
  });
  router.add_sync("DELETE", "/_sim/webhooks", [this](http::Request&) {
    delivery_->reset();
    return http::Response::json(200, delivery_->to_json(std::nullopt, 0));
  });

  // Answers once nothing is queued, in flight or waiting for a retry; polls
  // on the kit's scheduler so no server thread is held while waiting.
  router.add(
      "POST", "/_sim/webhooks/flush", [this](http::Request& request, http::Responder respond) {
        rapidjson::Document body;
        int64_t timeout_ms = 30000;
        if (!request.body.empty()) {
          if (auto error = simkit::parse_json(request.body, body)) {
            respond(http::Response::error(400, *error));
            return;
          }
          if (auto v = json::member_int64(body, "timeoutMs")) timeout_ms = *v;
        }
        if (delivery_->paused() && !delivery_->idle()) {
          respond(http::Response::error(409, "delivery is paused with events pending"));
          return;
        }
        auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
        auto poll = std::make_shared<std::function<void()>>();
        *poll = [this, respond, deadline, weak = std::weak_ptr<std::function<void()>>(poll)] {
          if (delivery_->idle()) {
            respond(http::Response::json(200, delivery_->to_json(std::nullopt, 0)));
          } else if (std::chrono::steady_clock::now() >= deadline) {
            respond(http::Response::error(504, "webhooks still pending at the deadline"));
          } else if (auto self = weak.lock()) {
            kit_.scheduler().after(std::chrono::milliseconds(2), [self] { (*self)(); });
          }
        };
        (*poll)();
      });
}

}  // namespace hbsync::sim_hubspot
