// The board API client used by admin (F1.1 credentials check), writer and
// poller (reference/board.md).
//
// Every request, retries included, first takes a slot from the shared Redis
// limiter (ratelimit::Limiter "board": 3 per second and 3,000 per day per API
// key, across all replicas), then goes through the one retry policy:
// - 429: Retry-After (1 s when absent) is honoured and every replica is
//   blocked for that long (Limiter::penalize);
// - 5xx, timeouts, connection errors: retried with backoff. A create (POST)
//   is resent only when board did not act on it: connection not made, 429,
//   or a 5xx other than 504 (an application error rolls its transaction
//   back). After a timeout, a lost connection or a 504 it is not resent, and
//   Error::maybe_applied tells the caller to look before creating again;
// - other 4xx: a permanent Error with board's message, never retried.
// The daily budget running out is Error::daily_budget_exhausted (without
// calling board once our limiter knows it); so is a 429 (or a penalty left by one) asking to wait
// an hour or more: board's own daily count, which may run out first when the
// key also serves other integrations.
//
// The limiter key is a fingerprint of the API key (rate limits count per key;
// two tenants on one board account share it) and never the key itself. API
// key and token are never logged; nor are bodies, which carry customer data.
//
// Metrics: hbsync_board_requests_total{operation, code} (code = HTTP status,
// or the transport error: connect, timeout, ...),
// hbsync_board_request_duration_seconds{operation}, and
// hbsync_board_tenant_requests_total{tenant, outcome} (outcome: 2xx, 429,
// 4xx, 5xx, error) under the tenant of the Account.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hbsync/apiclient/client.hpp"
#include "hbsync/apiclient/loop.hpp"
#include "hbsync/board/records.hpp"
#include "hbsync/board/result.hpp"
#include "hbsync/config/config.hpp"
#include "hbsync/http/client.hpp"
#include "hbsync/http/url.hpp"
#include "hbsync/ratelimit/limiter.hpp"
#include "hbsync/redis/redis.hpp"
#include "hbsync/retry/retry.hpp"

namespace hbsync::board {

// The operations a board API token can be granted (board's UI ticks) that
// this app uses.
enum class Operation {
  clients_create,
  clients_update,
  clients_get,
  clients_list,
  projects_create,
  projects_update,
  projects_get,
  projects_list,
  projects_order_status,
  invoices_list,
  users_list,
};
inline constexpr size_t kOperationCount = 11;

// Every operation the app needs on its token (F1.1), in board's UI order.
std::span<const Operation> required_operations();
// "clients.create": the metric label and the id board's simulator uses.
std::string_view operation_id(Operation op);
// "顧客 登録": the name board's token screen shows, for messages to admins.
std::string_view operation_label(Operation op);

struct Credentials {
  std::string api_key{};    // x-api-key
  std::string api_token{};  // Authorization: Bearer
};

// Members carry {} initializers so designated initializers that omit them
// do not trip -Wmissing-field-initializers (g++ 12, -Wextra).
struct Options {
  std::string base_url = "https://api.the-board.jp";  // paths start with /v1/
  std::chrono::milliseconds timeout{30000};           // one HTTP request
  int64_t rate_per_second = 3;
  int64_t rate_per_day = 3000;
  // Added to the one-second window. board counts requests when they arrive;
  // we count them when the slot is granted, a little earlier and not always by
  // the same amount (scheduling, connection set-up). Without a margin, a
  // request held up after its grant can land in the same board-second as
  // three later ones and be refused.
  std::chrono::milliseconds rate_margin{200};
  // The longest a call waits for a slot (or a penalty) before it gives up
  // with rate_limited; a longer wait is the caller's to schedule.
  std::chrono::milliseconds max_rate_wait{30000};
  retry::Policy retry{};

  // HBSYNC_BOARD_API_URL, HBSYNC_BOARD_TIMEOUT, HBSYNC_BOARD_RATE_PER_SECOND,
  // HBSYNC_BOARD_RATE_PER_DAY, HBSYNC_BOARD_RATE_MARGIN,
  // HBSYNC_BOARD_MAX_RATE_WAIT and HBSYNC_BOARD_RETRY_* (retry::Policy).
  static Options load(config::Loader& loader);
};

// F1.1: what the credentials may do.
struct OperationCheck {
  Operation operation = Operation::users_list;
  enum class State {
    allowed,
    missing,  // 403
    unknown,  // no conclusive answer (board unavailable, rate limited)
  } state = State::unknown;
  int status = 0;  // the probe's HTTP status (0: none)
};

struct CredentialCheck {
  enum class Verdict {
    ok,                   // valid, every required operation allowed
    invalid_credentials,  // 401 (or every probe 403: a gateway refusing the key)
    missing_operations,   // valid, but the token lacks some operations
    unavailable,          // board could not be asked (network, 5xx, limits)
  } verdict = Verdict::unavailable;
  std::vector<OperationCheck> operations{};  // in required_operations() order
  std::optional<Error> error{};              // the cause when unavailable

  std::vector<Operation> missing() const;
  // For the admin console, in Japanese, naming every missing operation
  // ("APIトークンに次の操作の権限がありません: 顧客 登録、案件 受注ステータス更新").
  std::string message() const;
};

using CallCounts = apiclient::CallCounts;  // keyed by operation_id

class Account;

// Shared by every tenant of a process: holds the options, the limiter and
// the counters. Thread-safe.
class Api {
 public:
  // `http` and `redis` must outlive the Api.
  Api(Options options, http::Client& http, redis::Client& redis);

  // A cheap handle that calls board with these credentials for `tenant`
  // (the tenant id, a HubSpot portal id: the metrics' tenant label).
  Account account(std::string tenant, Credentials credentials);

  // HTTP requests sent (each retry counts), for tests and benchmarks: API
  // calls per synced deal.
  CallCounts calls() const;

  // The shared limiter key of an API key: 16 hex digits of its SHA-256.
  static std::string limiter_key(std::string_view api_key);
  ratelimit::Limiter& limiter() { return limiter_; }
  // Used and remaining budget of these credentials' key (admin, metrics).
  ratelimit::Usage usage(const Credentials& credentials) {
    return limiter_.usage(limiter_key(credentials.api_key));
  }

  const Options& options() const { return options_; }

  // One API request as the operations build it.
  struct Call {
    Operation operation = Operation::users_list;
    std::string method = "GET";
    std::string path{};  // "/v1/clients/12"
    http::QueryParams query{};
    std::optional<std::string> json_body{};
  };
  // Runs a call for `tenant` under the limiter and the retry policy. An
  // answer is a 2xx.
  Result<http::ClientResponse> execute(const std::string& tenant, const Credentials& credentials,
                                       const Call& call);

 private:
  Options options_;
  http::Client& http_;
  ratelimit::Limiter limiter_;
  apiclient::CallCounter<Operation, kOperationCount> calls_{operation_id};
  apiclient::Loop loop_;
};

// Every request of one board account (API key + token). Copyable; the Api
// must outlive it.
class Account {
 public:
  Account(Api& api, std::string tenant, Credentials credentials)
      : api_(&api), tenant_(std::move(tenant)), credentials_(std::move(credentials)) {}

  Result<Page<User>> list_users(const UserQuery& query = {}, PageRequest page = {});
  Result<std::vector<User>> list_all_users(const UserQuery& query = {});
  // The board user with this e-mail (board compares it case-insensitively).
  Result<std::optional<User>> find_user_by_email(const std::string& email);

  Result<Page<Client>> list_clients(const ClientQuery& query = {}, PageRequest page = {});
  Result<std::vector<Client>> list_all_clients(const ClientQuery& query = {});
  Result<Client> create_client(const ClientFields& fields);
  Result<Client> get_client(int64_t id);
  Result<Client> update_client(int64_t id, const ClientFields& fields);

  Result<Page<Project>> list_projects(const ProjectQuery& query = {}, PageRequest page = {});
  Result<std::vector<Project>> list_all_projects(const ProjectQuery& query = {});
  Result<Project> create_project(const NewProject& project);
  Result<Project> get_project(int64_t id);
  Result<Project> update_project(int64_t id, const ProjectChanges& changes);
  // PATCH /v1/projects/order_status/{id}: its own token permission.
  Result<Project> update_order_status(int64_t id, domain::OrderStatus status);

  Result<Page<Invoice>> list_invoices(const InvoiceQuery& query = {}, PageRequest page = {});
  Result<std::vector<Invoice>> list_all_invoices(const InvoiceQuery& query = {});

  // F1.1: GET /v1/users?per_page=1 (401: wrong key or token), then one probe
  // per required operation, none of which changes data: lists with
  // per_page=1, reads and updates on id 0 (which cannot exist: 404 = allowed,
  // 403 = not), creates with an empty body (422 = allowed, 403 = not). About
  // a dozen calls, so about four seconds at 3 per second.
  CredentialCheck check_credentials();

  const std::string& tenant() const { return tenant_; }

 private:
  Api* api_;
  std::string tenant_;
  Credentials credentials_;
};

// Fetches pages 1, 2, ... until a short page (or X-Total-Count says the list
// is done), handing each to `visit`, which returns false to stop early.
// Returns the number of items visited, or the first error. `max_pages` guards
// against a server that never returns a short page.
template <class T>
Result<size_t> for_each_page(const std::function<Result<Page<T>>(PageRequest)>& fetch,
                             const std::function<bool(Page<T>&)>& visit, int per_page = 100,
                             int max_pages = 10000) {
  size_t items = 0;
  for (int number = 1; number <= max_pages; ++number) {
    Result<Page<T>> page = fetch(PageRequest{number, per_page});
    if (!page) return page.error();
    items += page->items.size();
    if (!visit(*page) || page->last()) return items;
  }
  return Error{.kind = Error::server, .message = "board kept returning full pages"};
}

}  // namespace hbsync::board
