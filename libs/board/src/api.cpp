#include "hbsync/board/api.hpp"

#include <openssl/evp.h>

#include <stdexcept>

#include "hbsync/apiclient/request.hpp"
#include "hbsync/log/log.hpp"
#include "json.hpp"

namespace hbsync::board {

using std::chrono::milliseconds;

namespace {

constexpr std::array<Operation, kOperationCount> kRequired = {
    Operation::clients_create, Operation::clients_update,  Operation::clients_get,
    Operation::clients_list,   Operation::projects_create, Operation::projects_update,
    Operation::projects_get,   Operation::projects_list,   Operation::projects_order_status,
    Operation::invoices_list,  Operation::users_list,
};

// board sends no Retry-After on some 429s [O]; its window is one second.
constexpr milliseconds kDefaultRetryAfter{1000};

// A wait this long is not a burst limit but the daily budget: board's own
// (the API key may also be used by other integrations, so board can run out
// before our count does) or a penalty it left in the limiter.
constexpr milliseconds kBudgetWait = std::chrono::hours(1);

Error::Kind kind_of(apiclient::Class kind) {
  switch (kind) {
    case apiclient::Class::unauthorized:
      return Error::unauthorized;
    case apiclient::Class::forbidden:
      return Error::forbidden;
    case apiclient::Class::not_found:
      return Error::not_found;
    case apiclient::Class::rate_limited:
      return Error::rate_limited;
    case apiclient::Class::budget_exhausted:
      return Error::daily_budget_exhausted;
    case apiclient::Class::server:
      return Error::server;
    case apiclient::Class::network:
      return Error::network;
    case apiclient::Class::conflict:  // board has no 409 or 423 of its own
    case apiclient::Class::locked:
    case apiclient::Class::rejected:
      break;
  }
  return Error::validation;
}

// board's reading of a failed call.
Error error_of(const apiclient::Failure& failure) {
  return Error{.kind = kind_of(failure.kind),
               .status = failure.status,
               .message = failure.status ? json::error_message(failure.body, failure.status)
                                         : failure.message,
               .retry_after = failure.retry_after,
               .attempts = failure.attempts,
               .maybe_applied = failure.maybe_applied,
               .redis_error = failure.redis_error};
}

apiclient::Profile profile(const Options& options) {
  return {.api = "board",
          .display = "board",
          .max_rate_wait = options.max_rate_wait,
          .default_retry_after = kDefaultRetryAfter,
          .budget_wait = kBudgetWait};
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
    case Error::validation:
      return "validation";
    case Error::rate_limited:
      return "rate_limited";
    case Error::daily_budget_exhausted:
      return "daily_budget_exhausted";
    case Error::server:
      return "server";
    case Error::network:
      return "network";
  }
  return "unknown";
}

std::span<const Operation> required_operations() {
  return kRequired;
}

std::string_view operation_id(Operation op) {
  switch (op) {
    case Operation::clients_create:
      return "clients.create";
    case Operation::clients_update:
      return "clients.update";
    case Operation::clients_get:
      return "clients.get";
    case Operation::clients_list:
      return "clients.list";
    case Operation::projects_create:
      return "projects.create";
    case Operation::projects_update:
      return "projects.update";
    case Operation::projects_get:
      return "projects.get";
    case Operation::projects_list:
      return "projects.list";
    case Operation::projects_order_status:
      return "projects.order_status";
    case Operation::invoices_list:
      return "invoices.list";
    case Operation::users_list:
      return "users.list";
  }
  return "unknown";
}

std::string_view operation_label(Operation op) {
  switch (op) {
    case Operation::clients_create:
      return "顧客 登録";
    case Operation::clients_update:
      return "顧客 更新";
    case Operation::clients_get:
      return "顧客 取得";
    case Operation::clients_list:
      return "顧客 リストの取得";
    case Operation::projects_create:
      return "案件 登録";
    case Operation::projects_update:
      return "案件 更新";
    case Operation::projects_get:
      return "案件 取得";
    case Operation::projects_list:
      return "案件 リストの取得";
    case Operation::projects_order_status:
      return "案件 受注ステータス更新";
    case Operation::invoices_list:
      return "請求 リストの取得";
    case Operation::users_list:
      return "ユーザ リストの取得";
  }
  return "?";
}

Options Options::load(config::Loader& loader) {
  Options o;
  o.base_url = loader.str("HBSYNC_BOARD_API_URL", o.base_url,
                          "board API base URL (paths /v1/... are appended)");
  apiclient::check_base_url(loader, "HBSYNC_BOARD_API_URL", o.base_url, false);
  o.timeout = loader.duration("HBSYNC_BOARD_TIMEOUT", "30s", "Timeout of one board API request");
  o.rate_per_second =
      loader.integer("HBSYNC_BOARD_RATE_PER_SECOND", o.rate_per_second,
                     "board requests per second per API key, shared by all replicas", 1, 1000);
  o.rate_per_day = loader.integer("HBSYNC_BOARD_RATE_PER_DAY", o.rate_per_day,
                                  "board requests per rolling 24 hours per API key (daily budget)",
                                  1, 100000000);
  o.rate_margin = loader.duration(
      "HBSYNC_BOARD_RATE_MARGIN", "200ms",
      "Added to board's one-second window to absorb delays between grant and arrival");
  o.max_rate_wait = loader.duration("HBSYNC_BOARD_MAX_RATE_WAIT", "30s",
                                    "Longest wait for a board rate-limit slot before giving up");
  o.retry = retry::Policy::load(loader, "HBSYNC_BOARD_RETRY");
  return o;
}

std::vector<Operation> CredentialCheck::missing() const {
  std::vector<Operation> out;
  for (const auto& op : operations) {
    if (op.state == OperationCheck::State::missing) out.push_back(op.operation);
  }
  return out;
}

std::string CredentialCheck::message() const {
  switch (verdict) {
    case Verdict::ok:
      return "boardに接続できました。必要な操作はすべて許可されています。";
    case Verdict::invalid_credentials:
      return "APIキーまたはAPIトークンが正しくありません。";
    case Verdict::missing_operations: {
      std::string text = "APIトークンに次の操作の権限がありません: ";
      bool first = true;
      for (Operation op : missing()) {
        if (!first) text += "、";
        text += operation_label(op);
        first = false;
      }
      return text + "。boardのAPIトークン設定で許可してください。";
    }
    case Verdict::unavailable:
      break;
  }
  return "boardに接続できませんでした。しばらくしてからもう一度お試しください。";
}

Api::Api(Options options, http::Client& http, redis::Client& redis)
    : options_(std::move(options)),
      http_(http),
      limiter_(redis, "board",
               {{.limit = options_.rate_per_second,
                 .length = milliseconds(1000) + options_.rate_margin,
                 .name = "second"},
                {.limit = options_.rate_per_day,
                 .length = std::chrono::hours(24),
                 .budget = true,
                 .name = "day"}}),
      loop_(profile(options_), http, options_.retry) {
  options_.base_url = apiclient::trimmed_base(options_.base_url);
}

Account Api::account(Credentials credentials) {
  return Account(*this, std::move(credentials));
}

CallCounts Api::calls() const {
  CallCounts counts;
  for (Operation op : kRequired) {
    const uint64_t n = calls_[static_cast<size_t>(op)].load();
    counts.total += n;
    if (n) counts.by_operation[std::string(operation_id(op))] = n;
  }
  return counts;
}

std::string Api::limiter_key(std::string_view api_key) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(api_key.data(), api_key.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 failed");
  }
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < 8; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 0xF];
  }
  return out;
}

Result<http::ClientResponse> Api::execute(const Credentials& credentials, const Call& call) {
  apiclient::Call request{
      .operation = operation_id(call.operation),
      .request = apiclient::json_request(call.method, options_.base_url + call.path, call.query,
                                         call.json_body, options_.timeout),
      .creates = call.method == "POST",
      .limiter = &limiter_,
      .limit_key = limiter_key(credentials.api_key),
      .sent = &calls_[static_cast<size_t>(call.operation)],
      .authorize = [&](http::ClientRequest& r) {
        r.headers.set("x-api-key", credentials.api_key);
        r.headers.set("Authorization", "Bearer " + credentials.api_token);
      }};
  apiclient::Answer answer = loop_.run(request);
  if (answer) return std::move(answer).value();
  return error_of(answer.error());
}

}  // namespace hbsync::board
