#include "control.hpp"

#include "api.hpp"
#include "hbsync/log/log.hpp"
#include "hbsync/simkit/json.hpp"

namespace hbsync::simboard {
namespace {

using json::member_int64;
using json::member_string;

http::Response control_error(const Failure& failure) {
  return http::Response::error(failure.status, failure.message);
}

// Control bodies must be JSON objects; an empty body counts as {}.
Outcome<rapidjson::Document> json_body(const http::Request& request) {
  rapidjson::Document doc;
  if (request.body.empty()) {
    doc.SetObject();
    return doc;
  }
  if (auto error = simkit::parse_json(request.body, doc)) return bad_request(*error);
  return doc;
}

Outcome<Token> token_of(const rapidjson::Value& spec) {
  Token token;
  auto text = member_string(spec, "token");
  if (!text || text->empty()) return bad_request("token must be a non-empty string");
  token.token = *text;
  auto it = spec.FindMember("operations");
  if (it == spec.MemberEnd()) {
    token.operations.insert("*");
    return token;
  }
  if (!it->value.IsArray()) return bad_request("operations must be an array of strings");
  for (const auto& op : it->value.GetArray()) {
    if (!op.IsString()) return bad_request("operations must be an array of strings");
    token.operations.insert(op.GetString());
  }
  return token;
}

std::string account_json(Board& board, const std::string& key) {
  rapidjson::StringBuffer buffer;
  simkit::JsonWriter w(buffer);
  w.StartObject();
  w.Key("api_key");
  w.String(key);
  const Account* account = board.store.account(key);
  w.Key("tokens");
  w.StartArray();
  for (const auto& [name, token] : account->tokens) {
    w.StartObject();
    w.Key("token");
    w.String(name);
    w.Key("operations");
    w.StartArray();
    for (const std::string& op : token.operations) w.String(op);
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.Key("users");
  w.StartArray();
  for (const User* user : board.store.users(key, {})) write_user(w, *user);
  w.EndArray();
  w.EndObject();
  return buffer.GetString();
}

template <class T, class Write>
http::Response all_of(const std::vector<const T*>& items, Write write) {
  rapidjson::StringBuffer buffer;
  simkit::JsonWriter w(buffer);
  w.StartArray();
  for (const T* item : items) write(w, *item);
  w.EndArray();
  return http::Response::json(200, buffer.GetString());
}

// A handler on an existing account's data, with the store locked.
using AccountHandler = std::function<http::Response(const std::string& key, http::Request&)>;
http::SyncHandler on_account(Board& board, AccountHandler handler) {
  return [&board, handler = std::move(handler)](http::Request& request) {
    std::string key = request.path_param("key").value_or("");
    std::lock_guard lock(board.mutex);
    if (!board.store.account(key)) return http::Response::error(404, "no such account");
    return handler(key, request);
  };
}

}  // namespace

Outcome<std::string> seed_account(Board& board, const rapidjson::Value& spec) {
  if (!spec.IsObject()) return bad_request("account must be a JSON object");
  auto key = member_string(spec, "api_key");
  if (!key || key->empty()) return bad_request("api_key must be a non-empty string");
  std::vector<Token> tokens;
  if (auto it = spec.FindMember("tokens"); it != spec.MemberEnd()) {
    if (!it->value.IsArray()) return bad_request("tokens must be an array");
    for (const auto& item : it->value.GetArray()) {
      auto token = token_of(item);
      if (!token) return token.failure();
      tokens.push_back(*token);
    }
  }
  std::lock_guard lock(board.mutex);
  auto created = board.store.add_account(*key);
  if (!created) return created.failure();
  auto undo = [&](Failure failure) -> Failure {
    board.store.remove_account(*key);
    return failure;
  };
  for (Token& token : tokens) {
    auto added = board.store.add_token(*key, std::move(token));
    if (!added) return undo(added.failure());
  }
  if (auto it = spec.FindMember("users"); it != spec.MemberEnd()) {
    if (!it->value.IsArray()) return undo(bad_request("users must be an array"));
    for (const auto& item : it->value.GetArray()) {
      auto user = board.store.add_user(*key, item);
      if (!user) return undo(user.failure());
    }
  }
  return *key;
}

void add_control_routes(http::Router& router, Board& board) {
  router.add_sync("POST", "/_sim/accounts", [&board](http::Request& request) {
    auto body = json_body(request);
    if (!body) return control_error(body.failure());
    auto key = seed_account(board, *body);
    if (!key) return control_error(key.failure());
    log::info("board account seeded");
    std::lock_guard lock(board.mutex);
    return http::Response::json(201, account_json(board, *key));
  });
  router.add_sync("GET", "/_sim/accounts", [&board](http::Request&) {
    std::lock_guard lock(board.mutex);
    std::string out = "[";
    for (const std::string& key : board.store.account_keys()) {
      if (out.size() > 1) out += ",";
      out += account_json(board, key);
    }
    return http::Response::json(200, out + "]");
  });
  router.add_sync("DELETE", "/_sim/accounts/{key}", [&board](http::Request& request) {
    std::lock_guard lock(board.mutex);
    if (!board.store.remove_account(request.path_param("key").value_or(""))) {
      return http::Response::error(404, "no such account");
    }
    return http::Response::json(200, "{\"deleted\":true}");
  });
  router.add_sync("POST", "/_sim/accounts/{key}/tokens",
                  on_account(board, [&board](const std::string& key, http::Request& request) {
                    auto body = json_body(request);
                    if (!body) return control_error(body.failure());
                    auto token = token_of(*body);
                    if (!token) return control_error(token.failure());
                    auto added = board.store.add_token(key, *token);
                    if (!added) return control_error(added.failure());
                    return http::Response::json(201, account_json(board, key));
                  }));
  router.add_sync("POST", "/_sim/accounts/{key}/users",
                  on_account(board, [&board](const std::string& key, http::Request& request) {
                    auto body = json_body(request);
                    if (!body) return control_error(body.failure());
                    auto user = board.store.add_user(key, *body);
                    if (!user) return control_error(user.failure());
                    return api::object_response(201, **user, write_user);
                  }));
  router.add_sync("POST", "/_sim/accounts/{key}/clients",
                  on_account(board, [&board](const std::string& key, http::Request& request) {
                    auto body = json_body(request);
                    if (!body) return control_error(body.failure());
                    auto client = board.store.create_client(key, *body);
                    if (!client) return control_error(client.failure());
                    return api::object_response(201, **client, write_client);
                  }));
  router.add_sync("POST", "/_sim/accounts/{key}/projects",
                  on_account(board, [&board](const std::string& key, http::Request& request) {
                    auto body = json_body(request);
                    if (!body) return control_error(body.failure());
                    auto project = board.store.create_project(key, *body);
                    if (!project) return control_error(project.failure());
                    if (body->HasMember("total")) {
                      auto with_total = board.store.set_total((*project)->id, *body);
                      if (!with_total) {
                        board.store.delete_project(key, (*project)->id);
                        return control_error(with_total.failure());
                      }
                    }
                    return api::object_response(201, **project,
                                                [&board](simkit::JsonWriter& w, const Project& p) {
                                                  board.store.write(w, p);
                                                });
                  }));
  router.add_sync("GET", "/_sim/accounts/{key}/users",
                  on_account(board, [&board](const std::string& key, http::Request&) {
                    return all_of(board.store.users(key, {}), write_user);
                  }));
  router.add_sync("GET", "/_sim/accounts/{key}/clients",
                  on_account(board, [&board](const std::string& key, http::Request&) {
                    return all_of(board.store.clients(key, {.include_archived = true}),
                                  write_client);
                  }));
  router.add_sync("GET", "/_sim/accounts/{key}/projects",
                  on_account(board, [&board](const std::string& key, http::Request&) {
                    return all_of(board.store.projects(key, {.include_lost = true}),
                                  [&board](simkit::JsonWriter& w, const Project& p) {
                                    board.store.write(w, p);
                                  });
                  }));
  router.add_sync("GET", "/_sim/accounts/{key}/invoices",
                  on_account(board, [&board](const std::string& key, http::Request&) {
                    return all_of(board.store.invoices(key, {}),
                                  [&board](simkit::JsonWriter& w, const Invoice& i) {
                                    board.store.write(w, i);
                                  });
                  }));

  // The board user at work: these change records the way board's UI does.
  router.add_sync("POST", "/_sim/projects/{id}/order_status", [&board](http::Request& request) {
    auto id = api::path_id(request);
    auto body = json_body(request);
    if (!body) return control_error(body.failure());
    std::lock_guard lock(board.mutex);
    auto key = id ? board.store.account_of_project(*id) : std::nullopt;
    if (!key) return http::Response::error(404, "no such project");
    auto project = board.store.set_order_status(*key, *id, *body);
    if (!project) return control_error(project.failure());
    return api::object_response(200, **project, [&board](simkit::JsonWriter& w, const Project& p) {
      board.store.write(w, p);
    });
  });
  router.add_sync("POST", "/_sim/projects/{id}/total", [&board](http::Request& request) {
    auto id = api::path_id(request);
    auto body = json_body(request);
    if (!body) return control_error(body.failure());
    std::lock_guard lock(board.mutex);
    auto project = board.store.set_total(id.value_or(0), *body);
    if (!project) return control_error(project.failure());
    return api::object_response(200, **project, [&board](simkit::JsonWriter& w, const Project& p) {
      board.store.write(w, p);
    });
  });
  router.add_sync("POST", "/_sim/projects/{id}/invoices", [&board](http::Request& request) {
    auto id = api::path_id(request);
    auto body = json_body(request);
    if (!body) return control_error(body.failure());
    std::lock_guard lock(board.mutex);
    auto invoice = board.store.add_invoice(id.value_or(0), *body);
    if (!invoice) return control_error(invoice.failure());
    return api::object_response(201, **invoice, [&board](simkit::JsonWriter& w, const Invoice& i) {
      board.store.write(w, i);
    });
  });
  router.add_sync("POST", "/_sim/invoices/{id}/status", [&board](http::Request& request) {
    auto id = api::path_id(request);
    auto body = json_body(request);
    if (!body) return control_error(body.failure());
    std::lock_guard lock(board.mutex);
    auto invoice = board.store.set_invoice_status(id.value_or(0), *body);
    if (!invoice) return control_error(invoice.failure());
    return api::object_response(200, **invoice, [&board](simkit::JsonWriter& w, const Invoice& i) {
      board.store.write(w, i);
    });
  });

  auto clock_json = [&board] {
    return "{\"now\":\"" + format_timestamp(board.clock.now()) + "\"}";
  };
  router.add_sync("GET", "/_sim/clock",
                  [clock_json](http::Request&) { return http::Response::json(200, clock_json()); });
  router.add_sync("POST", "/_sim/clock", [&board, clock_json](http::Request& request) {
    auto body = json_body(request);
    if (!body) return control_error(body.failure());
    if (auto advance = member_int64(*body, "advance_seconds")) {
      if (*advance < 0) return http::Response::error(400, "the clock only moves forward");
      board.clock.advance(*advance);
    } else if (auto now = member_string(*body, "now")) {
      auto parsed = parse_filter_time(*now);
      if (!parsed) return http::Response::error(400, "now must be an ISO 8601 timestamp");
      board.clock.set(*parsed);
    } else {
      return http::Response::error(400, "give advance_seconds or now");
    }
    return http::Response::json(200, clock_json());
  });

  auto limits_json = [&board] {
    RateLimits limits = board.limits();
    return "{\"per_second\":" + std::to_string(limits.per_second) +
           ",\"per_day\":" + std::to_string(limits.per_day) + "}";
  };
  router.add_sync("GET", "/_sim/limits", [limits_json](http::Request&) {
    return http::Response::json(200, limits_json());
  });
  router.add_sync("POST", "/_sim/limits", [&board, limits_json](http::Request& request) {
    auto body = json_body(request);
    if (!body) return control_error(body.failure());
    RateLimits limits = board.limits();
    auto per_second = member_int64(*body, "per_second");
    auto per_day = member_int64(*body, "per_day");
    if (body->HasMember("per_second") && (!per_second || *per_second < 1)) {
      return http::Response::error(400, "per_second must be an integer >= 1");
    }
    if (body->HasMember("per_day") && (!per_day || *per_day < 1)) {
      return http::Response::error(400, "per_day must be an integer >= 1");
    }
    limits.per_second = per_second.value_or(limits.per_second);
    limits.per_day = per_day.value_or(limits.per_day);
    board.set_limits(limits);
    return http::Response::json(200, limits_json());
  });
}

}  // namespace hbsync::simboard
