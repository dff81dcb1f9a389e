// PUT /api/v1/board/connection (F1.1) and GET /api/v1/board/users (the
// 担当者 picker, F6.4). Credentials are saved only after board's permission
// check found every operation allowed, encrypted by the Store; the board
// users are then stored for the mapper as `hbsync-ctl tenant apply` does.
#include <algorithm>

#include "hbsync/json/read.hpp"
#include "hbsync/log/log.hpp"
#include "hbsync/tenant/board_users.hpp"
#include "settings_common.hpp"

namespace hbsync::admin::settings {

namespace {

constexpr size_t kMaxCredentialSize = 4096;  // as tenant::validate allows

std::string_view verdict_name(board::CredentialCheck::Verdict verdict) {
  using Verdict = board::CredentialCheck::Verdict;
  switch (verdict) {
    case Verdict::ok:
      return "ok";
    case Verdict::invalid_credentials:
      return "invalid_credentials";
    case Verdict::missing_operations:
      return "missing_operations";
    case Verdict::unavailable:
      break;
  }
  return "unavailable";
}

std::string_view state_name(board::OperationCheck::State state) {
  using State = board::OperationCheck::State;
  switch (state) {
    case State::allowed:
      return "allowed";
    case State::missing:
      return "missing";
    case State::unknown:
      break;
  }
  return "unknown";
}

// BoardCheck (docs/admin-api.yaml), with the error object when refused and
// the new version when saved.
std::string check_body(const board::CredentialCheck& check, std::string_view error_code,
                       std::optional<int64_t> version) {
  const std::string message = check.message();
  rapidjson::StringBuffer out;
  Writer w(out);
  w.StartObject();
  if (!error_code.empty()) {
    write_key(w, "error");
    w.StartObject();
    write_key(w, "code");
    write_string(w, error_code);
    write_key(w, "message");
    write_string(w, message);
    w.EndObject();
  }
  write_key(w, "verdict");
  write_string(w, verdict_name(check.verdict));
  write_key(w, "message");
  write_string(w, message);
  write_key(w, "operations");
  w.StartArray();
  for (const auto& op : check.operations) {
    w.StartObject();
    write_key(w, "operation");
    write_string(w, board::operation_id(op.operation));
    write_key(w, "label");
    write_string(w, board::operation_label(op.operation));
    write_key(w, "state");
    write_string(w, state_name(op.state));
    w.EndObject();
  }
  w.EndArray();
  if (version) {
    write_key(w, "version");
    w.Int64(*version);
  }
  w.EndObject();
  return out.GetString();
}

http::Response refused(const board::CredentialCheck& check) {
  using Verdict = board::CredentialCheck::Verdict;
  if (check.verdict == Verdict::invalid_credentials) {
    return http::Response::json(422, check_body(check, "board_credentials_invalid", {}));
  }
  if (check.verdict == Verdict::missing_operations) {
    return http::Response::json(422, check_body(check, "board_permissions_missing", {}));
  }
  return http::Response::json(503, check_body(check, "board_unavailable", {}));
}

// One credential from the body: a non-empty string of printable ASCII (it
// goes into HTTP headers), else the 400 answer naming it.
std::optional<http::Response> read_credential(const rapidjson::Value& body, const char* name,
                                              const char* what, std::string& out) {
  const auto value = json::member_string(body, name);
  const bool printable = value && std::all_of(value->begin(), value->end(),
                                              [](char c) { return c > 0x20 && c < 0x7f; });
  if (!value || value->empty()) {
    return api_error(400, "invalid_parameter",
                     std::string(what) + " (" + name + ") を入力してください。");
  }
  if (!printable || value->size() > kMaxCredentialSize) {
    return api_error(400, "invalid_parameter",
                     std::string(what) + " (" + name +
                         ") に空白・改行・全角文字が含まれているか、長すぎます。boardで発行された"
                         "とおりに貼り付けてください。");
  }
  out = *value;
  return std::nullopt;
}

// Best effort, as `hbsync-ctl tenant apply`: without a stored list the
// mapper asks board with the tenant's first deal.
void store_board_users(Services& services, board::Account& account, const std::string& tenant_id) {
  auto listed = account.list_all_users();
  if (!listed) {
    log::warn("admin api: board users not stored",
              {{"tenant", tenant_id},
               {"reason", board::to_string(listed.error().kind)},
               {"status", listed.error().status}});
    return;
  }
  tenant::BoardUsers users{.users = {}, .fetched_at_ms = services.now_ms()};
  for (const auto& u : *listed)
    users.users.push_back({.id = u.id, .email = u.email, .valid = u.valid});
  tenant::save_board_users(services.redis, services.store.keyring(), tenant_id, users);
}

http::Response put_connection(Services& services, Call& call) {
  std::optional<rapidjson::Document> parsed_body = json_body(call.request);
  if (!parsed_body) return bad_json();
  rapidjson::Document& body = *parsed_body;
  board::Credentials credentials;
  if (auto bad = read_credential(body, "api_key", "APIキー", credentials.api_key)) return *bad;
  if (auto bad = read_credential(body, "api_token", "APIトークン", credentials.api_token))
    return *bad;
  if (services.store.version(call.tenant_id) == 0) return tenant_not_found();

  board::Account account = services.board.account(call.tenant_id, credentials);
  const board::CredentialCheck check = account.check_credentials();
  log::info("admin api: board credentials checked",
            {{"tenant", call.tenant_id}, {"verdict", verdict_name(check.verdict)}});
  if (check.verdict != board::CredentialCheck::Verdict::ok) return refused(check);

  const ChangeResult saved = save_change(services.store, call.tenant_id,
                                         [&](tenant::Settings& s, tenant::ValidationErrors&) {
                                           s.board.api_key = credentials.api_key;
                                           s.board.api_token = credentials.api_token;
                                         });
  if (!saved.found) return tenant_not_found();
  if (!saved.put.ok()) return not_saved(saved.put);
  store_board_users(services, account, call.tenant_id);
  return json_ok(check_body(check, "", saved.put.version));
}

std::string users_body(const std::vector<board::User>& users) {
  rapidjson::StringBuffer out;
  Writer w(out);
  w.StartObject();
  write_key(w, "users");
  w.StartArray();
  for (const auto& u : users) {
    // board shows 姓 名.
    std::string name = u.last_name;
    if (!name.empty() && !u.first_name.empty()) name += ' ';
    name += u.first_name;
    w.StartObject();
    write_key(w, "id");
    w.Int64(u.id);
    write_key(w, "name");
    write_string(w, name);
    write_key(w, "email");
    write_string(w, u.email);
    write_key(w, "valid");
    w.Bool(u.valid);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return out.GetString();
}

http::Response get_users(Services& services, Call& call) {
  const auto stored = services.store.get(call.tenant_id);
  if (!stored) return tenant_not_found();
  const auto& board_settings = stored->board;
  if (board_settings.api_key.empty() || board_settings.api_token.empty()) {
    return api_error(503, "not_connected",
                     "boardに接続されていません。「board接続」でAPIキーとAPIトークンを設定して"
                     "ください。");
  }
  auto listed = services.board
                    .account(call.tenant_id, {.api_key = board_settings.api_key,
                                              .api_token = board_settings.api_token})
                    .list_all_users();
  if (listed) return json_ok(users_body(*listed));
  log::warn("admin api: board users not listed", {{"tenant", call.tenant_id},
                                                  {"reason", board::to_string(listed.error().kind)},
                                                  {"status", listed.error().status}});
  if (listed.error().kind == board::Error::unauthorized) {
    return api_error(503, "not_connected",
                     "boardが保存されているAPIキーまたはAPIトークンを受け付けませんでした。"
                     "「board接続」で設定し直してください。");
  }
  return api_error(503, "board_unavailable",
                   "boardに接続できませんでした。しばらくしてからもう一度お試しください。");
}

}  // namespace

void add_board_routes(Api& api, Services& services) {
  api.add("PUT", "/api/v1/board/connection",
          [&services](Call& call) { return put_connection(services, call); });
  api.add("GET", "/api/v1/board/users",
          [&services](Call& call) { return get_users(services, call); });
}

}  // namespace hbsync::admin::settings
