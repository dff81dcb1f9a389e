#include "hbsync/hubspot/api.hpp"

#include "hbsync/apiclient/client.hpp"
#include "hbsync/apiclient/request.hpp"
#include "hbsync/log/log.hpp"
#include "json.hpp"

namespace hbsync::hubspot {

using std::chrono::milliseconds;

namespace {

// In enum order: the metric labels.
constexpr std::array<std::string_view, kOperationCount> kIds = {
    "oauth.token",      "oauth.token_info",       "deals.get",
    "deals.update",     "deals.batch_update",     "deals.companies",
    "companies.get",    "companies.batch_read",   "companies.update",
    "companies.search", "companies.batch_create", "owners.get",
    "pipelines.list",   "properties.list",        "properties.create",
};

// HBSYNC_HUBSPOT_API_URL, _TIMEOUT, _RATE_MARGIN, _MAX_RATE_WAIT, _RETRY_*.
const apiclient::Variables kVariables{
    "HBSYNC_HUBSPOT", "HubSpot", "HubSpot API base URL (paths /crm/..., /oauth/... are appended)",
    "Added to HubSpot's windows to absorb delays between grant and arrival"};

// HubSpot's 429 may come without Retry-After; its shortest window is 1 s.
constexpr milliseconds kDefaultRetryAfter{1000};
// 423: "wait at least 2 seconds" (reference/hubspot.md, Errors).
constexpr milliseconds kLockedWait{2000};

Error::Kind kind_of(apiclient::Class kind) {
  if (kind == apiclient::Class::conflict) return Error::conflict;
  if (kind == apiclient::Class::locked) return Error::locked;
  return apiclient::common_kind<Error>(kind);  // HubSpot's limits have no budget window
}

// HubSpot's reading of a failed call (its error body when it answered).
Error error_of(const apiclient::Failure& failure) {
  Error error = apiclient::error_of<Error>(failure, kind_of(failure.kind));
  if (failure.status) json::fill_error(error, failure.body);
  return error;
}

}  // namespace

std::string_view to_string(Error::Kind kind) {
  static constexpr std::array<std::string_view, Error::not_connected + 1> kKinds = {
      "unauthorized", "forbidden", "not_found", "conflict", "validation",
      "rate_limited", "locked",    "server",    "network",  "not_connected"};
  return static_cast<size_t>(kind) < kKinds.size() ? kKinds[kind] : "unknown";
}

std::string_view operation_id(Operation op) {
  return kIds[static_cast<size_t>(op)];
}

std::optional<std::string> CrmObject::property(const std::string& name) const {
  auto it = properties.find(name);
  if (it == properties.end()) return std::nullopt;
  return it->second;
}

domain::HubSpotPipeline Pipeline::to_domain() const {
  domain::HubSpotPipeline out{id, label, {}};
  for (const Stage& s : stages) {
    if (!s.archived) out.stages.push_back({s.id, s.label});
  }
  return out;
}

Options Options::load(config::Loader& loader) {
  Options o;
  apiclient::load_common(loader, kVariables, o);
  o.authorize_url = loader.str("HBSYNC_HUBSPOT_AUTHORIZE_URL", o.authorize_url,
                               "HubSpot's OAuth authorize page (the install redirect, F1.2)");
  apiclient::check_base_url(loader, "HBSYNC_HUBSPOT_AUTHORIZE_URL", o.authorize_url, true);
  o.client_id = loader.str("HBSYNC_HUBSPOT_CLIENT_ID", "", "The HubSpot app's client id (OAuth)");
  // Declared exactly as ingress does: one variable, one secret, several readers.
  o.client_secret = loader.secret(
      "HBSYNC_HUBSPOT_CLIENT_SECRET", "",
      "The HubSpot app's client secret: the key of the webhook signatures (required)");
  o.token_path = loader.str("HBSYNC_HUBSPOT_TOKEN_PATH", o.token_path,
                            "OAuth token endpoint path (/oauth/v3/token once v1 is retired)");
  if (o.token_path.empty() || o.token_path.front() != '/') {
    loader.reject("HBSYNC_HUBSPOT_TOKEN_PATH", "must start with /");
  }
  o.rate_per_10s = loader.integer(
      "HBSYNC_HUBSPOT_RATE_PER_10S", o.rate_per_10s,
      "HubSpot requests per rolling 10 s per portal (search excluded), shared by all replicas", 1,
      100000);
  o.search_per_second = loader.integer("HBSYNC_HUBSPOT_SEARCH_PER_SECOND", o.search_per_second,
                                       "HubSpot search requests per second per portal", 1, 1000);
  o.refresh_before = loader.duration("HBSYNC_HUBSPOT_REFRESH_BEFORE", "5m",
                                     "Refresh an OAuth access token this long before it expires");
  o.refresh_lease = loader.duration(
      "HBSYNC_HUBSPOT_REFRESH_LEASE", "30s",
      "Longest a replica holds a tenant's token-refresh lease (others wait for it)");
  return o;
}

Api::Api(Options options, http::Client& http, redis::Client& redis)
    : options_(std::move(options)),
      http_(http),
      limiter_(redis, "hubspot",
               {{.limit = options_.rate_per_10s,
                 .length = options_.rate_window + options_.rate_margin,
                 .name = "ten_seconds"}}),
      search_limiter_(redis, "hubspot_search",
                      {{.limit = options_.search_per_second,
                        .length = milliseconds(1000) + options_.rate_margin,
                        .name = "second"}}),
      loop_(profile(), http, options_.retry) {
  options_.base_url = apiclient::trimmed_base(options_.base_url);
}

Portal Api::portal(std::string portal_id, TokenSource& tokens) {
  return Portal(*this, std::move(portal_id), tokens);
}

CallCounts Api::calls() const {
  return calls_.counts();
}

Result<http::ClientResponse> Api::execute(const Call& call, const std::string* portal_id,
                                          TokenSource* tokens) {
  std::string token;
  if (tokens) {
    Result<std::string> t = tokens->token();
    if (!t) return t.error();
    token = std::move(*t);
  }
  // A failed refresh that says more than HubSpot's own 401 (store, network).
  std::optional<Error> refresh_error;
  apiclient::Call request = loop_call(call, portal_id);
  if (tokens) {
    request.authorize = [&](http::ClientRequest& r) {
      r.headers.set("Authorization", "Bearer " + token);
    };
    request.refresh = [&] {
      Result<std::string> next = tokens->after_unauthorized(token);
      if (!next) {
        // No better token: HubSpot's own 401 (category, message) says more
        // than "nothing to refresh with"; a store or network failure does not.
        if (next.error().kind != Error::unauthorized) refresh_error = next.error();
        return false;
      }
      token = std::move(*next);
      log::info("HubSpot rejected the access token; retrying with a refreshed one",
                {{"operation", request.operation}});
      return true;
    };
  }
  apiclient::Answer answer = loop_.run(request);
  if (answer) return std::move(answer).value();
  Error error = refresh_error ? *refresh_error : error_of(answer.error());
  error.attempts = answer.error().attempts;
  return error;
}

apiclient::Call Api::loop_call(const Call& call, const std::string* portal_id) {
  apiclient::Call out{
      .operation = operation_id(call.operation),
      .request = apiclient::json_request(call.method, options_.base_url + call.path, call.query,
                                         call.json_body, options_.timeout),
      .creates = call.creates,
      .limiter = portal_id ? (call.search ? &search_limiter_ : &limiter_) : nullptr,
      .limit_key = portal_id ? *portal_id : std::string(),
      .tenant = portal_id ? *portal_id : std::string(),  // tenant ids are portal ids
      .sent = calls_.sent(call.operation)};
  if (call.form_body && !call.json_body) {
    out.request.headers.set("Content-Type", "application/x-www-form-urlencoded");
    out.request.body = *call.form_body;
  }
  return out;
}

apiclient::Profile Api::profile() {
  return {.api = "hubspot",
          .display = "HubSpot",
          .max_rate_wait = options_.max_rate_wait,
          .default_retry_after = kDefaultRetryAfter,
          .locked_wait = kLockedWait,
          // A 429 names the policy it hit: SECONDLY is search's.
          .penalized = [this](const apiclient::Call& call,
                              const http::ClientResponse& response) -> ratelimit::Limiter& {
            const std::string policy = json::policy_name(response.body);
            if (policy.empty()) return *call.limiter;
            return policy == "SECONDLY" ? search_limiter_ : limiter_;
          }};
}

}  // namespace hbsync::hubspot
