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

apiclient::RequestMetrics& request_metrics() {
  static apiclient::RequestMetrics m("hubspot", "HubSpot");
  return m;
}

Error::Kind kind_of_status(int status) {
  switch (status) {
    case 401:
      return Error::unauthorized;
    case 403:
      return Error::forbidden;
    case 404:
      return Error::not_found;
    case 409:
      return Error::conflict;
    case 423:
      return Error::locked;
    case 429:
      return Error::rate_limited;
    default:
      return status >= 500 ? Error::server : Error::validation;
  }
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
                        .name = "second"}}) {
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
  http::ClientRequest request;
  request.method = call.method;
  request.url = options_.base_url + call.path;
  if (!call.query.empty()) request.url += "?" + http::build_query(call.query);
  request.headers.set("Accept", "application/json");
  if (call.json_body) {
    request.headers.set("Content-Type", "application/json");
    request.body = *call.json_body;
  } else if (call.form_body) {
    request.headers.set("Content-Type", "application/x-www-form-urlencoded");
    request.body = *call.form_body;
  }
  request.timeout = options_.timeout;
  const std::string_view op_id = operation_id(call.operation);
  ratelimit::Limiter& limiter = call.search ? search_limiter_ : limiter_;

  std::string token;
  if (tokens) {
    Result<std::string> t = tokens->token();
    if (!t) return t.error();
    token = std::move(*t);
  }
  bool refreshed = false;

  std::optional<http::ClientResponse> answer;
  Error error;
  int sent = 0;
  auto attempt = [&](int number) -> retry::Outcome {
    if (portal_id) {
      ratelimit::Decision slot;
      try {
        slot = limiter.wait_acquire(*portal_id, options_.max_rate_wait);
      } catch (const redis::Error& e) {
        // Failing closed keeps every replica inside HubSpot's limit.
        error = Error{.kind = Error::network,
                      .message = std::string("rate limiter unavailable: ") + e.what(),
                      .redis_error = e.what()};
        return retry::Outcome::retry("rate limiter unavailable");
      }
      if (!slot) {
        error = Error{.kind = Error::rate_limited,
                      .message = "HubSpot rate limit: no slot within the wait allowed",
                      .retry_after = slot.wait};
        return retry::Outcome::fail(error.message);
      }
    }
    if (tokens) request.headers.set("Authorization", "Bearer " + token);

    ++sent;
    calls_[static_cast<size_t>(call.operation)].fetch_add(1);
    http::ClientResult result = request_metrics().send(http_, request, op_id);

    if (!result.ok()) {
      error = Error{.kind = Error::network,
                    .message = std::string("HubSpot unreachable: ") +
                               std::string(http::to_string(result.error))};
      if (result.error == http::ErrorKind::invalid_url) return retry::Outcome::fail("invalid url");
      if (call.creates && !apiclient::not_sent(result.error)) {
        error.maybe_applied = true;
        return retry::Outcome::fail(error.message);
      }
      log::warn(
          "HubSpot request failed, will retry",
          {{"operation", op_id}, {"error", http::to_string(result.error)}, {"attempt", number}});
      return retry::Outcome::retry(error.message);
    }

    const int status = result.response.status;
    if (status >= 200 && status < 300) {
      answer = std::move(result.response);
      return retry::Outcome::ok();
    }
    error = Error{.kind = kind_of_status(status), .status = status};
    json::fill_error(error, result.response.body);

    if (status == 401 && tokens && !refreshed) {
      refreshed = true;
      Result<std::string> next = tokens->after_unauthorized(token);
      if (!next) {
        // No better token: HubSpot's own 401 (category, message) says more
        // than "nothing to refresh with"; a store or network failure does not.
        if (next.error().kind != Error::unauthorized) error = next.error();
        return retry::Outcome::fail("token refresh failed");
      }
      token = std::move(*next);
      log::info("HubSpot rejected the access token; retrying with a refreshed one",
                {{"operation", op_id}});
      return retry::Outcome::retry("401", milliseconds(0));
    }
    if (status == 429) {
      const milliseconds wait = apiclient::retry_after(result.response, kDefaultRetryAfter);
      error.retry_after = wait;
      if (portal_id) {
        const std::string policy = json::policy_name(result.response.body);
        ratelimit::Limiter& named = policy == "SECONDLY" ? search_limiter_
                                    : policy.empty()     ? limiter
                                                         : limiter_;
        apiclient::penalize(named, *portal_id, wait);
      }
      log::warn("HubSpot answered 429, backing off",
                {{"operation", op_id}, {"retry_after_ms", wait.count()}, {"attempt", number}});
      return retry::Outcome::retry("429", wait);
    }
    if (status == 423) {
      error.retry_after = kLockedWait;
      return retry::Outcome::retry("423", kLockedWait);
    }
    if (status >= 500) {
      if (call.creates && status == 504) {
        error.maybe_applied = true;
        return retry::Outcome::fail("504 on a create");
      }
      log::warn("HubSpot server error",
                {{"operation", op_id}, {"status", status}, {"attempt", number}});
      return retry::Outcome::retry(std::to_string(status));
    }
    return retry::Outcome::fail(std::to_string(status));
  };

  retry::run(options_.retry, attempt);
  if (answer) return std::move(*answer);
  error.attempts = sent;
  return error;
}

}  // namespace hbsync::hubspot
