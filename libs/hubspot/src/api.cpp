#include "hbsync/hubspot/api.hpp"

#include "hbsync/apiclient/request.hpp"
#include "hbsync/log/log.hpp"
#include "json.hpp"

namespace hbsync::hubspot {

using std::chrono::milliseconds;

namespace {

constexpr std::array<Operation, kOperationCount> kAll = {
    Operation::oauth_token,      Operation::oauth_token_info,       Operation::deals_get,
    Operation::deals_update,     Operation::deals_batch_update,     Operation::deal_companies_list,
    Operation::companies_get,    Operation::companies_batch_read,   Operation::companies_update,
    Operation::companies_search, Operation::companies_batch_create, Operation::owners_get,
    Operation::pipelines_list,   Operation::properties_list,        Operation::properties_create,
};

// HubSpot's 429 may come without Retry-After; its shortest window is 1 s.
constexpr milliseconds kDefaultRetryAfter{1000};
// 423: "wait at least 2 seconds" (reference/hubspot.md, Errors).
constexpr milliseconds kLockedWait{2000};

Error::Kind kind_of(apiclient::Class kind) {
  switch (kind) {
    case apiclient::Class::unauthorized:
      return Error::unauthorized;
    case apiclient::Class::forbidden:
      return Error::forbidden;
    case apiclient::Class::not_found:
      return Error::not_found;
    case apiclient::Class::conflict:
      return Error::conflict;
    case apiclient::Class::locked:
      return Error::locked;
    case apiclient::Class::rate_limited:
    case apiclient::Class::budget_exhausted:  // HubSpot's limits have no budget window
      return Error::rate_limited;
    case apiclient::Class::server:
      return Error::server;
    case apiclient::Class::network:
      return Error::network;
    case apiclient::Class::rejected:
      break;
  }
  return Error::validation;
}

// HubSpot's reading of a failed call (its error body when it answered).
Error error_of(const apiclient::Failure& failure) {
  Error error{.kind = kind_of(failure.kind),
              .status = failure.status,
              .message = failure.message,
              .retry_after = failure.retry_after,
              .attempts = failure.attempts,
              .maybe_applied = failure.maybe_applied,
              .redis_error = failure.redis_error};
  if (failure.status) json::fill_error(error, failure.body);
  return error;
}

}  // namespace

std::string_view to_string(Error::Kind kind) {
  switch (kind) {
    case Error::unauthorized:
      return "unauthorized";
    case Error::forbidden:
      return "forbidden";
    case Error::not_found:
      return "not_found";
    case Error::conflict:
      return "conflict";
    case Error::validation:
      return "validation";
    case Error::rate_limited:
      return "rate_limited";
    case Error::locked:
      return "locked";
    case Error::server:
      return "server";
    case Error::network:
      return "network";
    case Error::not_connected:
      return "not_connected";
  }
  return "unknown";
}

std::string_view operation_id(Operation op) {
  switch (op) {
    case Operation::oauth_token:
      return "oauth.token";
    case Operation::oauth_token_info:
      return "oauth.token_info";
    case Operation::deals_get:
      return "deals.get";
    case Operation::deals_update:
      return "deals.update";
    case Operation::deals_batch_update:
      return "deals.batch_update";
    case Operation::deal_companies_list:
      return "deals.companies";
    case Operation::companies_get:
      return "companies.get";
    case Operation::companies_batch_read:
      return "companies.batch_read";
    case Operation::companies_update:
      return "companies.update";
    case Operation::companies_search:
      return "companies.search";
    case Operation::companies_batch_create:
      return "companies.batch_create";
    case Operation::owners_get:
      return "owners.get";
    case Operation::pipelines_list:
      return "pipelines.list";
    case Operation::properties_list:
      return "properties.list";
    case Operation::properties_create:
      return "properties.create";
  }
  return "unknown";
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
  o.base_url = loader.str("HBSYNC_HUBSPOT_API_URL", o.base_url,
                          "HubSpot API base URL (paths /crm/..., /oauth/... are appended)");
  apiclient::check_base_url(loader, "HBSYNC_HUBSPOT_API_URL", o.base_url, false);
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
  o.timeout =
      loader.duration("HBSYNC_HUBSPOT_TIMEOUT", "30s", "Timeout of one HubSpot API request");
  o.rate_per_10s = loader.integer(
      "HBSYNC_HUBSPOT_RATE_PER_10S", o.rate_per_10s,
      "HubSpot requests per rolling 10 s per portal (search excluded), shared by all replicas", 1,
      100000);
  o.search_per_second = loader.integer("HBSYNC_HUBSPOT_SEARCH_PER_SECOND", o.search_per_second,
                                       "HubSpot search requests per second per portal", 1, 1000);
  o.rate_margin =
      loader.duration("HBSYNC_HUBSPOT_RATE_MARGIN", "200ms",
                      "Added to HubSpot's windows to absorb delays between grant and arrival");
  o.max_rate_wait = loader.duration("HBSYNC_HUBSPOT_MAX_RATE_WAIT", "30s",
                                    "Longest wait for a HubSpot rate-limit slot before giving up");
  o.refresh_before = loader.duration("HBSYNC_HUBSPOT_REFRESH_BEFORE", "5m",
                                     "Refresh an OAuth access token this long before it expires");
  o.refresh_lease = loader.duration(
      "HBSYNC_HUBSPOT_REFRESH_LEASE", "30s",
      "Longest a replica holds a tenant's token-refresh lease (others wait for it)");
  o.retry = retry::Policy::load(loader, "HBSYNC_HUBSPOT_RETRY");
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
  CallCounts counts;
  for (Operation op : kAll) {
    const uint64_t n = calls_[static_cast<size_t>(op)].load();
    counts.total += n;
    if (n) counts.by_operation[std::string(operation_id(op))] = n;
  }
  return counts;
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
      .sent = &calls_[static_cast<size_t>(call.operation)]};
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
