// The HubSpot API client used by admin (F1.2 connect, F1.3 pipelines, F6.1
// link property), mapper (F3 reads), writer (link property, F4 deal writes)
// and the F5 bulk company sync (reference/hubspot.md).
//
// Every CRM request, retries included, first takes a slot from the shared
// Redis limiter of its portal (ratelimit::Limiter "hubspot": 110 per rolling
// 10 s; "hubspot_search": 5 per second for search, which HubSpot counts
// apart), then goes through the one retry policy:
// - 429: Retry-After (1 s when absent) is honoured, and the limiter the
//   answer names (policyName SECONDLY: search, else the 10-second one) is
//   blocked for every replica (Limiter::penalize);
// - 423 (locked): retried after at least 2 s, as HubSpot asks;
// - 5xx, timeouts, connection errors: retried with backoff. A create (POST
//   batch/create, property create, code exchange) is resent only when
//   HubSpot certainly did not act on it; otherwise Error::maybe_applied;
// - 401: the token source is told once per call (TokenProvider refreshes)
//   and the request is sent again with the new token; a second 401 is final;
// - other 4xx: a permanent Error with HubSpot's category and message.
//
// OAuth requests (token, token info) use the retry policy but not the
// limiter: HubSpot does not count them against the API limits.
//
// Tokens, client secret and bodies (customer data) are never logged.
//
// Metrics: hbsync_hubspot_requests_total{operation, code} (code = HTTP status
// or the transport error), hbsync_hubspot_request_duration_seconds{operation},
// and hbsync_hubspot_tenant_requests_total{tenant, outcome} (outcome: 2xx,
// 429, 4xx, 5xx, error) of the CRM requests, under their portal id (OAuth
// token requests have no portal: not counted there).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hbsync/apiclient/client.hpp"
#include "hbsync/apiclient/loop.hpp"
#include "hbsync/config/config.hpp"
#include "hbsync/http/client.hpp"
#include "hbsync/http/url.hpp"
#include "hbsync/hubspot/records.hpp"
#include "hbsync/hubspot/result.hpp"
#include "hbsync/ratelimit/limiter.hpp"
#include "hbsync/redis/redis.hpp"
#include "hbsync/retry/retry.hpp"

namespace hbsync::hubspot {

enum class Operation {
  oauth_token,
  oauth_token_info,
  deals_get,
  deals_update,
  deals_batch_update,
  deal_companies_list,  // v4 associations
  companies_get,
  companies_batch_read,
  companies_update,
  companies_search,
  companies_batch_create,
  owners_get,
  pipelines_list,
  properties_list,
  properties_create,
};
inline constexpr size_t kOperationCount = 15;

// "deals.get": the metric label and the key of CallCounts.
std::string_view operation_id(Operation op);

// Members carry {} initializers so designated initializers that omit them
// do not trip -Wmissing-field-initializers (g++ 12, -Wextra).
struct Options {
  std::string base_url = "https://api.hubapi.com";
  std::string authorize_url = "https://app.hubspot.com/oauth/authorize";
  std::string client_id{};
  std::string client_secret{};
  // v1 is deprecated on 2027-02-16; /oauth/v3/token takes the same body.
  std::string token_path = "/oauth/v1/token";
  std::chrono::milliseconds timeout{30000};  // one HTTP request
  int64_t rate_per_10s = 110;
  // The burst window; 10 s in production. Tests shorten it.
  std::chrono::milliseconds rate_window{10000};
  int64_t search_per_second = 5;
  // Added to the windows: HubSpot counts arrivals, we count grants, and a
  // request held up after its grant could otherwise land in a full window.
  std::chrono::milliseconds rate_margin{200};
  std::chrono::milliseconds max_rate_wait{30000};
  std::chrono::milliseconds refresh_before{300000};  // refresh this long before expiry
  // How long a replica may hold the refresh lease; others wait at most this.
  std::chrono::milliseconds refresh_lease{30000};
  retry::Policy retry{};

  // HBSYNC_HUBSPOT_API_URL, HBSYNC_HUBSPOT_AUTHORIZE_URL,
  // HBSYNC_HUBSPOT_CLIENT_ID, HBSYNC_HUBSPOT_CLIENT_SECRET (secret),
  // HBSYNC_HUBSPOT_TOKEN_PATH, HBSYNC_HUBSPOT_TIMEOUT,
  // HBSYNC_HUBSPOT_RATE_PER_10S, HBSYNC_HUBSPOT_SEARCH_PER_SECOND,
  // HBSYNC_HUBSPOT_RATE_MARGIN, HBSYNC_HUBSPOT_MAX_RATE_WAIT,
  // HBSYNC_HUBSPOT_REFRESH_BEFORE, HBSYNC_HUBSPOT_REFRESH_LEASE and
  // HBSYNC_HUBSPOT_RETRY_* (retry::Policy).
  static Options load(config::Loader& loader);
};

using CallCounts = apiclient::CallCounts;  // keyed by operation_id

// Where a portal's access token comes from. TokenProvider (oauth.hpp) is the
// production one; StaticToken serves private-app tokens and tests.
class TokenSource {
 public:
  virtual ~TokenSource() = default;
  // A token valid now (refreshed first when close to expiry).
  virtual Result<std::string> token() = 0;
  // HubSpot answered 401 to `rejected`: a token to try once more with.
  virtual Result<std::string> after_unauthorized(const std::string& rejected) = 0;
};

class StaticToken : public TokenSource {
 public:
  explicit StaticToken(std::string token) : token_(std::move(token)) {}
  Result<std::string> token() override { return token_; }
  Result<std::string> after_unauthorized(const std::string&) override {
    return Error{.kind = Error::unauthorized, .status = 401, .message = "token rejected"};
  }

 private:
  std::string token_;
};

class Portal;

// Shared by every tenant of a process: options, limiters and counters.
// Thread-safe.
class Api {
 public:
  // `http` and `redis` must outlive the Api.
  Api(Options options, http::Client& http, redis::Client& redis);

  // A cheap handle for one portal's CRM calls. `portal_id` keys the limiter
  // (HubSpot limits per installing account); `tokens` must outlive it.
  Portal portal(std::string portal_id, TokenSource& tokens);

  // HTTP requests sent (each retry counts): API calls per synced deal.
  CallCounts calls() const;

  ratelimit::Limiter& limiter() { return limiter_; }
  ratelimit::Limiter& search_limiter() { return search_limiter_; }
  const Options& options() const { return options_; }

  struct Call {
    Operation operation = Operation::deals_get;
    std::string method = "GET";
    std::string path{};  // "/crm/v3/objects/deals/1"
    http::QueryParams query{};
    std::optional<std::string> json_body{};
    std::optional<std::string> form_body{};  // OAuth token requests
    bool creates = false;                    // not resent when HubSpot may have acted on it
    bool search = false;                     // counted by the search limiter
  };
  // Runs a call under the limiter (when `portal_id` is set) and the retry
  // policy, with a bearer token from `tokens` (when set). An answer is a 2xx.
  Result<http::ClientResponse> execute(const Call& call, const std::string* portal_id,
                                       TokenSource* tokens);

 private:
  Options options_;
  http::Client& http_;
  ratelimit::Limiter limiter_;
  ratelimit::Limiter search_limiter_;
  apiclient::CallCounter<Operation, kOperationCount> calls_{operation_id};
  apiclient::Loop loop_;

  // HubSpot's specifics for the shared request loop.
  apiclient::Profile profile();
  apiclient::Call loop_call(const Call& call, const std::string* portal_id);
};

// Every CRM request of one portal. Copyable; Api and TokenSource must outlive it.
class Portal {
 public:
  Portal(Api& api, std::string portal_id, TokenSource& tokens)
      : api_(&api), portal_id_(std::move(portal_id)), tokens_(&tokens) {}

  // GET /crm/v3/objects/deals/{id} with deal_sync_properties() (or these)
  // and associations=companies.
  Result<Deal> get_deal(const std::string& id, const std::vector<std::string>& properties = {});
  // PATCH /crm/v3/objects/deals/{id}.
  Result<Deal> update_deal(const std::string& id,
                           const std::map<std::string, std::string>& properties);
  // POST /crm/v3/objects/deals/batch/update, 100 per call; a 207 is not an
  // error: its failures are in BatchResult::errors with their ids.
  Result<BatchResult<Deal>> batch_update_deals(const std::vector<DealUpdate>& updates);

  // GET /crm/v4/objects/deals/{id}/associations/companies, every page:
  // input for domain::resolve_company (type 5 = primary).
  Result<std::vector<domain::CompanyAssociation>> deal_companies(const std::string& deal_id);

  Result<Company> get_company(const std::string& id, const std::vector<std::string>& properties);
  // POST /crm/v3/objects/companies/batch/read, 100 per call; missing ids are
  // in errors (207).
  Result<BatchResult<Company>> batch_read_companies(const std::vector<std::string>& ids,
                                                    const std::vector<std::string>& properties);
  // PATCH /crm/v3/objects/companies/{id} (e.g. the link property, F3.4).
  Result<Company> update_company(const std::string& id,
                                 const std::map<std::string, std::string>& properties);
  // POST /crm/v3/objects/companies/search, name EQ `name`, every page, then
  // only exact (case-sensitive) matches: HubSpot's EQ ignores case, F5 does
  // not. Search lags writes by a few seconds.
  Result<std::vector<Company>> search_companies_by_name(
      const std::string& name, const std::vector<std::string>& properties = {"name"});
  // POST /crm/v3/objects/companies/batch/create, 100 per call; results in
  // input order within each call is not promised by HubSpot.
  Result<BatchResult<Company>> batch_create_companies(
      const std::vector<std::map<std::string, std::string>>& inputs);

  // ---- F5 bulk company sync (portal_bulk.cpp) ----
  // POST /crm/v3/objects/companies/batch/read with `idProperty`, a property
  // created with hasUniqueValue: the companies holding one of `values` (100
  // per call, reads the records, not the lagging search index); values
  // nobody holds are in errors (207).
  Result<BatchResult<Company>> batch_read_companies_by(const std::string& id_property,
                                                       const std::vector<std::string>& values,
                                                       const std::vector<std::string>& properties);
  // POST /crm/v3/objects/companies/search, name IN (values lower-cased, as
  // HubSpot requires for string properties), up to 100 names per request,
  // every page; only exact (case-sensitive) matches are returned. Lags
  // writes by a few seconds.
  Result<std::vector<Company>> search_companies_by_names(
      const std::vector<std::string>& names, const std::vector<std::string>& properties = {"name"});

  Result<Owner> get_owner(const std::string& owner_id);
  Result<std::vector<Pipeline>> deal_pipelines();

  Result<std::vector<PropertyDefinition>> company_properties();
  // 409 (name taken) is success when the existing property is single-line
  // text (already_existed), else Error::conflict.
  Result<PropertyCreated> create_company_property(const NewProperty& property);

  const std::string& portal_id() const { return portal_id_; }

 private:
  Result<http::ClientResponse> run(const Api::Call& call) {
    return api_->execute(call, &portal_id_, tokens_);
  }

  Api* api_;
  std::string portal_id_;
  TokenSource* tokens_;
};

}  // namespace hbsync::hubspot
