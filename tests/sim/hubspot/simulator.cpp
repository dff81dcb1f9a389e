#include "simulator.hpp"

#include <algorithm>

#include "api_error.hpp"
#include "hbsync/log/log.hpp"

namespace hbsync::sim_hubspot {
namespace {

std::string expired_message(int64_t ms) {
  int64_t seconds = ms / 1000;
  if (seconds < 60) return std::to_string(seconds) + " second(s)";
  if (seconds < 3600) return std::to_string(seconds / 60) + " minute(s)";
  if (seconds < 86400) return std::to_string(seconds / 3600) + " hour(s)";
  return std::to_string(seconds / 86400) + " day(s)";
}

std::optional<std::string> bearer(const http::Request& request) {
  auto header = request.headers.get("Authorization");
  if (!header) return std::nullopt;
  std::string_view value = *header;
  if (value.size() <= 7 || !http::iequals(value.substr(0, 7), "Bearer ")) return std::nullopt;
  value.remove_prefix(7);
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  if (value.empty()) return std::nullopt;
  return std::string(value);
}

ApiError unauthenticated() {
  return ApiError(401, "INVALID_AUTHENTICATION",
                  "Authentication credentials not found. This API supports OAuth 2.0 "
                  "authentication and you can find more details at "
                  "https://developers.hubspot.com/docs/methods/auth/oauth-overview");
}

http::Response injected_error(int status, std::string_view message) {
  if (status == 429) {
    // The same body a real limit produces, so clients parse one shape.
    http::Response response =
        http::Response::json(429, write_json([&](JsonWriter& w) {
                               w.StartObject();
                               key(w, "status");
                               string(w, "error");
                               key(w, "message");
                               string(w, "You have reached your ten_secondly_rolling limit.");
                               key(w, "errorType");
                               string(w, "RATE_LIMIT");
                               key(w, "correlationId");
                               string(w, new_correlation_id());
                               key(w, "policyName");
                               string(w, "TEN_SECONDLY_ROLLING");
                               w.EndObject();
                             }));
    return response;
  }
  std::string category = status == 401   ? "INVALID_AUTHENTICATION"
                         : status == 404 ? "OBJECT_NOT_FOUND"
                         : status == 423 ? "LOCKED"
                         : status >= 500 ? "INTERNAL_ERROR"
                                         : "VALIDATION_ERROR";
  return plain_error(status, category, std::string(message));
}

}  // namespace

const std::vector<std::string>& all_scopes() {
  static const std::vector<std::string> scopes = {
      "oauth",
      "crm.objects.companies.read",
      "crm.objects.companies.write",
      "crm.objects.deals.read",
      "crm.objects.deals.write",
      "crm.objects.contacts.read",
      "crm.objects.owners.read",
      "crm.schemas.companies.read",
      "crm.schemas.companies.write",
      "crm.schemas.deals.read",
      "crm.schemas.deals.write",
  };
  return scopes;
}

Simulator::Simulator(SimOptions options, Delivery::Sender sender)
    : options_(std::move(options)),
      kit_(simkit::KitOptions{
          "hubspot",
          injected_error,
          [this](const http::Request& request) { return account_of(request); },
          [this] { reset_state(); },
          {},
          std::chrono::milliseconds(10000),
          options_.time_scale,
      }),
      oauth_(options_.clock, options_.token_ttl),
      limits_(options_.rate_per_ten_seconds, options_.search_per_second) {
  if (!sender) {
    http::ClientOptions client_options;
    client_options.connect_timeout =
        std::min(options_.delivery.timeout, std::chrono::milliseconds(5000));
    client_options.request_timeout = options_.delivery.timeout;
    client_options.max_idle_per_host = 16;
    client_options.user_agent = "HubSpot Connect 2.0 (http://dev.hubspot.com/)";
    client_ = std::make_unique<http::Client>(client_options);
    sender = [client = client_.get()](const Delivery::Request& r) {
      http::ClientRequest request;
      request.method = "POST";
      request.url = r.url;
      request.headers = r.headers;
      request.body = r.body;
      request.timeout = r.timeout;
      http::ClientResult result = client->send(request);
      Delivery::Outcome outcome;
      if (!result.ok()) {
        outcome.error = std::string(http::to_string(result.error));
      } else {
        outcome.status = result.response.status;
      }
      return outcome;
    };
  }
  delivery_ = std::make_unique<Delivery>(options_.delivery, kit_.time_scale(), std::move(sender));
  reset_state();
}

Simulator::~Simulator() {
  // Delivery threads stop before the client and the state they use go.
  delivery_.reset();
}

void Simulator::reset_state() {
  delivery_->reset();
  std::lock_guard lock(mutex_);
  oauth_ = OAuthStore(options_.clock, options_.token_ttl);
  if (options_.default_app) oauth_.add_app(*options_.default_app);
  portals_.clear();
  limits_.reset();
  for (int64_t id : options_.portals) ensure_portal(id);
}

Portal& Simulator::portal(int64_t portal_id) {
  auto it = portals_.find(portal_id);
  if (it == portals_.end()) {
    throw ApiError(404, "OBJECT_NOT_FOUND", "portal " + std::to_string(portal_id) + " not found");
  }
  return *it->second;
}

Portal& Simulator::ensure_portal(int64_t portal_id) {
  if (portal_id == 0) portal_id = next_portal_id_;
  next_portal_id_ = std::max(next_portal_id_, portal_id + 1);
  auto it = portals_.find(portal_id);
  if (it == portals_.end()) {
    it = portals_
             .emplace(portal_id,
                      std::make_unique<Portal>(portal_id, options_.clock(), options_.search_lag))
             .first;
    log::info("portal created", {{"portal_id", portal_id}});
  }
  return *it->second;
}

Installation Simulator::installation(const Portal& portal) const {
  return Installation{portal.id(), portal.user_email, portal.user_id, portal.hub_domain};
}

Simulator::Source Simulator::source_of(const Caller& caller) const {
  if (caller.app_id != 0) return {"INTEGRATION", std::to_string(caller.app_id)};
  return {"API", ""};
}

Simulator::Source Simulator::user_source(const Portal& portal) const {
  return {"CRM_UI", "userId:" + std::to_string(portal.user_id)};
}

void Simulator::publish(Portal& portal, const Changes& changes, const Source& source) {
  if (changes.empty()) return;
  for (int64_t app_id : portal.installed_apps) {
    App* app = oauth_.app(app_id);
    if (app == nullptr) continue;
    DeliveryTarget target;
    target.portal_id = portal.id();
    target.app_id = app_id;
    target.url = app->webhook_url.empty() ? options_.webhook_url : app->webhook_url;
    target.secret = app->client_secret;
    target.max_concurrent =
        app->max_concurrent > 0 ? app->max_concurrent : options_.webhook_concurrency;
    if (target.url.empty()) continue;
    std::vector<WebhookEvent> events;
    for (const Change& change : changes) {
      std::string type = subscription_type(change);
      std::string subscription = subscription_key(change);
      if (!app->subscriptions.empty() && app->subscriptions.count(type) == 0 &&
          app->subscriptions.count(subscription) == 0) {
        continue;
      }
      auto [it, inserted] = app->subscription_ids.try_emplace(subscription, 0);
      if (inserted) it->second = next_subscription_id_++;
      WebhookEvent event;
      event.event_id = next_event_id_++;
      event.subscription_id = it->second;
      event.portal_id = portal.id();
      event.app_id = app_id;
      event.occurred_ms = change.occurred_ms;
      event.subscription_type = type;
      event.change_source = source.change_source;
      event.source_id = source.source_id;
      event.change = change;
      events.push_back(std::move(event));
    }
    delivery_->enqueue(target, std::move(events));
  }
}

std::string Simulator::account_of(const http::Request& request) {
  auto token = bearer(request);
  if (!token) return "";
  std::lock_guard lock(mutex_);
  auto found = oauth_.lookup(*token);
  if (found.info == nullptr) return "";
  return std::to_string(found.info->portal_id);
}

void Simulator::api(http::Router& router, const std::string& method, const std::string& pattern,
                    std::vector<std::string> scopes, Budget budget, ApiHandler handler) {
  simkit::add_api_route_sync(
      router, kit_, method, pattern,
      [this, scopes = std::move(scopes), budget,
       handler = std::move(handler)](http::Request& request) -> http::Response {
        Caller caller;
        try {
          auto token = bearer(request);
          if (!token) throw unauthenticated();
          {
            std::lock_guard lock(mutex_);
            auto found = oauth_.lookup(*token);
            if (found.status == OAuthStore::Status::unknown) throw unauthenticated();
            if (found.status == OAuthStore::Status::expired) {
              throw ApiError(401, "EXPIRED_AUTHENTICATION",
                             "The OAuth token used to make this call expired " +
                                 expired_message(found.expired_for_ms) + " ago.");
            }
            caller.portal_id = found.info->portal_id;
            caller.app_id = found.info->app_id;
            caller.token = *token;
            caller.scopes = found.info->scopes;
            if (portals_.count(caller.portal_id) == 0) throw unauthenticated();
          }
          if (kit_.faults().revoked(caller.token) ||
              kit_.faults().revoked(std::to_string(caller.portal_id))) {
            throw unauthenticated();
          }
          require_scopes(caller, scopes);
        } catch (const ApiError& e) {
          return to_response(e);
        }
        RateLimits::Verdict verdict = limits_.check(caller.portal_id, budget == Budget::search);
        if (!verdict.decision.allowed) return limits_.too_many_requests(verdict);
        http::Response response;
        try {
          response = handler(request, caller);
        } catch (const ApiError& e) {
          response = to_response(e);
        }
        limits_.add_headers(response, verdict);
        return response;
      });
}

void Simulator::require_scopes(const Caller& caller, const std::vector<std::string>& any_of) {
  if (any_of.empty()) return;
  for (const std::string& s : any_of) {
    if (std::find(caller.scopes.begin(), caller.scopes.end(), s) != caller.scopes.end()) return;
  }
  ApiError error(403, "MISSING_SCOPES",
                 "This app hasn't been granted all required scopes to make this call. Read more "
                 "about required scopes here: https://developers.hubspot.com/scopes.");
  error.errors.push_back({"One or more of the following scopes are required.",
                          "",
                          "",
                          {{"requiredGranularScopes", any_of}}});
  throw error;
}

std::vector<std::string> Simulator::object_scopes(ObjectKind kind, Access access) {
  std::string base = "crm.objects." + std::string(plural(kind));
  if (access == Access::write) return {base + ".write"};
  return {base + ".read", base + ".write"};
}

void Simulator::install(http::Router& router) {
  install_oauth(router);
  install_objects(router);
  install_associations(router);
  install_schema(router);
  install_control(router);
  simkit::install_control_routes(router, kit_);
}

}  // namespace hbsync::sim_hubspot
