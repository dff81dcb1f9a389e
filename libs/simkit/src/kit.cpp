#include "hbsync/simkit/kit.hpp"

#include <exception>
#include <stdexcept>

#include "hbsync/log/log.hpp"
#include "hbsync/simkit/json.hpp"

namespace hbsync::simkit {

Kit::Kit(KitOptions options)
    : options_(std::move(options)),
      calls_(options_.peak_window),
      time_scale_(options_.time_scale) {}

http::Response Kit::error_response(int status, std::string_view message) const {
  if (options_.error_response) return options_.error_response(status, message);
  return http::Response::error(status, message);
}

void Kit::reset() {
  faults_.reset();
  calls_.reset();
  scheduler_.clear();
  if (options_.on_reset) options_.on_reset();
}

http::Handler wrap(Kit& kit, http::Handler inner) {
  return [&kit, inner = std::move(inner)](http::Request& request, http::Responder respond) {
    auto arrived = CallCounter::Clock::now();
    std::string account = kit.options().account_of ? kit.options().account_of(request) : "";
    http::Responder counted = [&kit, account, method = request.method, route = request.route,
                               arrived, respond = std::move(respond)](http::Response response) {
      kit.calls().record(account, method, route, response.status, arrived);
      respond(std::move(response));
    };

    if (auto rule = kit.faults().take(request.method, request.route)) {
      if (rule->kind == FaultInjector::Rule::Kind::hang) {
        kit.scheduler().after(rule->hang, [&kit, counted] {
          counted(kit.error_response(504, "simulated hang: no answer in time"));
        });
        return;
      }
      http::Response response = kit.error_response(rule->status, "simulated fault");
      if (rule->retry_after_s) {
        response.headers.set("Retry-After", std::to_string(*rule->retry_after_s));
      }
      counted(std::move(response));
      return;
    }

    http::Responder finish = counted;
    if (auto latency = kit.faults().latency(); latency.count() > 0) {
      // The work happens at once and only the answer is late, like a slow
      // network: a client that times out may still have changed state.
      finish = [&kit, latency, counted](http::Response response) {
        kit.scheduler().after(latency, [counted, response = std::move(response)]() mutable {
          counted(std::move(response));
        });
      };
    }
    try {
      inner(request, finish);
    } catch (const std::exception& e) {
      log::error("simulator handler failed", {{"route", request.route}, {"error", e.what()}});
      finish(kit.error_response(500, "internal error"));
    }
  };
}

void add_api_route(http::Router& router, Kit& kit, std::string method, std::string pattern,
                   http::Handler handler) {
  router.add(std::move(method), std::move(pattern), wrap(kit, std::move(handler)));
}

void add_api_route_sync(http::Router& router, Kit& kit, std::string method, std::string pattern,
                        http::SyncHandler handler) {
  add_api_route(router, kit, std::move(method), std::move(pattern),
                http::sync_handler(std::move(handler)));
}

namespace {

// Objects `extra` members are appended to `base` (both JSON object texts).
std::string merge_objects(const std::string& base, const std::string& extra) {
  if (extra.empty()) return base;
  rapidjson::Document a;
  rapidjson::Document b;
  if (parse_json(base, a) || parse_json(extra, b)) return base;
  for (auto& member : b.GetObject()) {
    rapidjson::Value key(member.name, a.GetAllocator());
    rapidjson::Value value(member.value, a.GetAllocator());
    a.RemoveMember(key);
    a.AddMember(key, value, a.GetAllocator());
  }
  return to_string(a);
}

using Control = std::function<http::Response(Kit&, const rapidjson::Document&)>;

// A control route with a JSON object body (an empty body counts as {}).
http::SyncHandler json_control(Kit& kit, Control control) {
  return [&kit, control = std::move(control)](http::Request& request) {
    rapidjson::Document body;
    if (request.body.empty()) {
      body.SetObject();
    } else if (auto error = parse_json(request.body, body)) {
      return http::Response::error(400, *error);
    }
    return control(kit, body);
  };
}

http::Response add_fault(Kit& kit, const rapidjson::Document& body) {
  FaultInjector::Rule rule;
  if (body.HasMember("count")) {
    auto count = json::member_int64(body, "count");
    if (!count || *count < 1 || *count > 1000000) {
      return http::Response::error(400, "count must be an integer from 1 to 1000000");
    }
    rule.remaining = static_cast<int>(*count);
  }
  if (body.HasMember("route")) {
    auto route = json::member_string(body, "route");
    if (!route) return http::Response::error(400, "route must be a string");
    rule.route = *route;
  }
  bool has_status = body.HasMember("status");
  bool has_hang = body.HasMember("hang_ms");
  if (has_status == has_hang) {
    return http::Response::error(400, "give exactly one of status or hang_ms");
  }
  if (has_hang) {
    auto hang = json::member_int64(body, "hang_ms");
    if (!hang || *hang < 0) return http::Response::error(400, "hang_ms must be an integer >= 0");
    rule.kind = FaultInjector::Rule::Kind::hang;
    rule.hang = std::chrono::milliseconds(*hang);
  } else {
    auto status = json::member_int64(body, "status");
    if (!status || *status < 400 || *status > 599) {
      return http::Response::error(400, "status must be an integer from 400 to 599");
    }
    rule.status = static_cast<int>(*status);
  }
  if (body.HasMember("retry_after")) {
    auto retry_after = json::member_int64(body, "retry_after");
    if (!retry_after || *retry_after < 0) {
      return http::Response::error(400, "retry_after must be an integer >= 0 (seconds)");
    }
    rule.retry_after_s = static_cast<int>(*retry_after);
  }
  kit.faults().add(rule);
  log::info("fault added",
            {{"simulator", kit.options().name},
             {"route", rule.route},
             {"count", rule.remaining},
             {"status", rule.kind == FaultInjector::Rule::Kind::hang ? 0 : rule.status},
             {"hang_ms", static_cast<int64_t>(rule.hang.count())}});
  return http::Response::json(200, kit.faults().to_json());
}

http::Response revocation(Kit& kit, const rapidjson::Document& body, bool revoke) {
  auto credential = json::member_string(body, "credential");
  if (!credential || credential->empty()) {
    return http::Response::error(400, "credential must be a non-empty string");
  }
  if (revoke) {
    kit.faults().revoke(*credential);
  } else {
    kit.faults().unrevoke(*credential);
  }
  return http::Response::json(200, kit.faults().to_json());
}

}  // namespace

void install_control_routes(http::Router& router, Kit& kit) {
  router.add_sync("GET", "/_sim/healthz", [&kit](http::Request&) {
    rapidjson::StringBuffer buffer;
    JsonWriter w(buffer);
    w.StartObject();
    w.Key("status");
    w.String("ok");
    w.Key("simulator");
    w.String(kit.options().name);
    w.EndObject();
    return http::Response::json(200, buffer.GetString());
  });
  router.add_sync("GET", "/_sim/calls", [&kit](http::Request&) {
    std::string extra = kit.options().extra_calls_json ? kit.options().extra_calls_json() : "";
    return http::Response::json(200, merge_objects(kit.calls().to_json(), extra));
  });
  router.add_sync("DELETE", "/_sim/calls", [&kit](http::Request&) {
    kit.calls().reset();
    return http::Response::json(200, kit.calls().to_json());
  });
  router.add_sync("GET", "/_sim/faults", [&kit](http::Request&) {
    return http::Response::json(200, kit.faults().to_json());
  });
  router.add_sync("POST", "/_sim/faults", json_control(kit, add_fault));
  router.add_sync("DELETE", "/_sim/faults", [&kit](http::Request&) {
    kit.faults().clear();
    kit.faults().set_latency(std::chrono::milliseconds(0));
    return http::Response::json(200, kit.faults().to_json());
  });
  router.add_sync("POST", "/_sim/latency",
                  json_control(kit, [](Kit& k, const rapidjson::Document& body) {
                    auto ms = json::member_int64(body, "ms");
                    if (!ms || *ms < 0 || *ms > 600000) {
                      return http::Response::error(400, "ms must be an integer from 0 to 600000");
                    }
                    k.faults().set_latency(std::chrono::milliseconds(*ms));
                    return http::Response::json(200, k.faults().to_json());
                  }));
  router.add_sync("POST", "/_sim/revoke",
                  json_control(kit, [](Kit& k, const rapidjson::Document& body) {
                    return revocation(k, body, true);
                  }));
  router.add_sync("POST", "/_sim/unrevoke",
                  json_control(kit, [](Kit& k, const rapidjson::Document& body) {
                    return revocation(k, body, false);
                  }));
  router.add_sync("GET", "/_sim/time-scale", [&kit](http::Request&) {
    return http::Response::json(200,
                                "{\"factor\":" + std::to_string(kit.time_scale().factor()) + "}");
  });
  router.add_sync("POST", "/_sim/time-scale",
                  json_control(kit, [](Kit& k, const rapidjson::Document& body) {
                    auto it = body.FindMember("factor");
                    if (it == body.MemberEnd() || !it->value.IsNumber()) {
                      return http::Response::error(400, "factor must be a number");
                    }
                    try {
                      k.time_scale().set(it->value.GetDouble());
                    } catch (const std::invalid_argument& e) {
                      return http::Response::error(400, e.what());
                    }
                    return http::Response::json(
                        200, "{\"factor\":" + std::to_string(k.time_scale().factor()) + "}");
                  }));
  router.add_sync("POST", "/_sim/reset", [&kit](http::Request&) {
    kit.reset();
    log::info("simulator reset", {{"simulator", kit.options().name}});
    return http::Response::json(200, "{\"reset\":true}");
  });
}

}  // namespace hbsync::simkit
