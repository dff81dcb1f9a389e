#include "hbsync/board/api.hpp"

#include <openssl/evp.h>

#include <stdexcept>

#include "hbsync/apiclient/client.hpp"
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

// In enum order: the metric label and board's token-screen name.
struct OperationNames {
  std::string_view id;
  std::string_view label;
};
constexpr std::array<OperationNames, kOperationCount> kNames = {{
    {"clients.create", "顧客 登録"},
    {"clients.update", "顧客 更新"},
    {"clients.get", "顧客 取得"},
    {"clients.list", "顧客 リストの取得"},
    {"projects.create", "案件 登録"},
    {"projects.update", "案件 更新"},
    {"projects.get", "案件 取得"},
    {"projects.list", "案件 リストの取得"},
    {"projects.order_status", "案件 受注ステータス更新"},
    {"invoices.list", "請求 リストの取得"},
    {"users.list", "ユーザ リストの取得"},
}};

// HBSYNC_BOARD_API_URL, _TIMEOUT, _RATE_MARGIN, _MAX_RATE_WAIT, _RETRY_*.
const apiclient::Variables kVariables{
    "HBSYNC_BOARD", "board", "board API base URL (paths /v1/... are appended)",
    "Added to board's one-second window to absorb delays between grant and arrival"};

// board sends no Retry-After on some 429s [O]; its window is one second.
constexpr milliseconds kDefaultRetryAfter{1000};

// A wait this long is not a burst limit but the daily budget: board's own
// (the API key may also be used by other integrations, so board can run out
// before our count does) or a penalty it left in the limiter.
constexpr milliseconds kBudgetWait = std::chrono::hours(1);

// board has no 409 or 423 of its own: they read as validation.
Error::Kind kind_of(apiclient::Class kind) {
  if (kind == apiclient::Class::budget_exhausted) return Error::daily_budget_exhausted;
  return apiclient::common_kind<Error>(kind);
}

// board's reading of a failed call.
Error error_of(const apiclient::Failure& failure) {
  Error error = apiclient::error_of<Error>(failure, kind_of(failure.kind));
  if (failure.status) error.message = json::error_message(failure.body, failure.status);
  return error;
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
  static constexpr std::array<std::string_view, Error::network + 1> kKinds = {
      "unauthorized",           "forbidden", "not_found", "validation", "rate_limited",
      "daily_budget_exhausted", "server",    "network"};
  return static_cast<size_t>(kind) < kKinds.size() ? kKinds[kind] : "unknown";
}

std::span<const Operation> required_operations() {
  return kRequired;
}

std::string_view operation_id(Operation op) {
  return kNames[static_cast<size_t>(op)].id;
}

std::string_view operation_label(Operation op) {
  return kNames[static_cast<size_t>(op)].label;
}

Options Options::load(config::Loader& loader) {
  Options o;
  apiclient::load_common(loader, kVariables, o);
  o.rate_per_second =
      loader.integer("HBSYNC_BOARD_RATE_PER_SECOND", o.rate_per_second,
                     "board requests per second per API key, shared by all replicas", 1, 1000);
  o.rate_per_day = loader.integer("HBSYNC_BOARD_RATE_PER_DAY", o.rate_per_day,
                                  "board requests per rolling 24 hours per API key (daily budget)",
                                  1, 100000000);
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

Account Api::account(std::string tenant, Credentials credentials) {
  return Account(*this, std::move(tenant), std::move(credentials));
}

CallCounts Api::calls() const {
  return calls_.counts();
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

Result<http::ClientResponse> Api::execute(const std::string& tenant, const Credentials& credentials,
                                          const Call& call) {
  apiclient::Call request{
      .operation = operation_id(call.operation),
      .request = apiclient::json_request(call.method, options_.base_url + call.path, call.query,
                                         call.json_body, options_.timeout),
      .creates = call.method == "POST",
      .limiter = &limiter_,
      .limit_key = limiter_key(credentials.api_key),
      .tenant = tenant,
      .sent = calls_.sent(call.operation),
      .authorize = [&](http::ClientRequest& r) {
        r.headers.set("x-api-key", credentials.api_key);
        r.headers.set("Authorization", "Bearer " + credentials.api_token);
      }};
  apiclient::Answer answer = loop_.run(request);
  if (answer) return std::move(answer).value();
  return error_of(answer.error());
}

}  // namespace hbsync::board
