#include "api.hpp"

#include <openssl/crypto.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include "hbsync/json/parse.hpp"
#include "hbsync/log/log.hpp"

namespace hbsync::admin {

struct Api::Pool {
  explicit Pool(int threads) : pool(static_cast<size_t>(threads)) {}
  boost::asio::thread_pool pool;
};

namespace {

bool changes_state(const std::string& method) {
  return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

bool same_token(std::string_view a, std::string_view b) {
  return a.size() == b.size() && !a.empty() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// Runs on the pool: the session layer, then the handler.
http::Response serve(Services& services, const ApiHandler& handler, Call& call) {
  const auto id = cookie(call.request, kSessionCookie);
  std::optional<Session> session;
  if (id && !id->empty()) session = services.sessions.find(*id);
  if (!session) {
    return api_error(401, "unauthenticated",
                     "サインインしていないか、セッションの有効期限が切れました。もう一度サインイン"
                     "してください。");
  }
  if (changes_state(call.request.method)) {
    const auto token = call.request.headers.get("X-CSRF-Token");
    if (!token || !same_token(*token, session->csrf)) {
      return api_error(403, "csrf",
                       "リクエストを確認できませんでした "
                       "(CSRFトークンが一致しません)。画面を再読み込みしてください。");
    }
  }
  call.tenant_id = session->tenant_id;
  call.session = std::move(*session);
  return handler(call);
}

}  // namespace

Api::Api(http::Router& router, Services& services, int workers)
    : router_(router), services_(services), pool_(std::make_unique<Pool>(workers)) {}

Api::~Api() {
  pool_->pool.join();
}

namespace {

// Runs `work` on the pool; exceptions become 503 (Redis) or 500 answers.
void run_on_pool(boost::asio::thread_pool& pool, std::string route,
                 std::function<http::Response()> work, http::Responder respond, bool api) {
  boost::asio::post(
      pool, [route = std::move(route), work = std::move(work), respond = std::move(respond), api] {
        http::Response response;
        try {
          response = work();
        } catch (const redis::Error& e) {
          log::error("admin: redis failed", {{"route", route}, {"error", e.what()}});
          response = api_error(
              503, "redis_unavailable",
              "設定の保存先 (Redis) に接続できません。しばらくしてから再度お試しください。");
        } catch (const std::exception& e) {
          log::error("admin: handler failed", {{"route", route}, {"error", e.what()}});
          response = api_error(500, "internal", "内部エラーが発生しました。");
        }
        if (api) response.headers.set("Cache-Control", "no-store");
        respond(std::move(response));
      });
}

}  // namespace

void Api::add(std::string method, std::string pattern, ApiHandler handler) {
  routes_.emplace_back(method, pattern);
  auto shared = std::make_shared<ApiHandler>(std::move(handler));
  router_.add(std::move(method), std::move(pattern),
              [this, shared](http::Request& request, http::Responder respond) {
                auto call = std::make_shared<Call>();
                call->request = std::move(request);
                run_on_pool(
                    pool_->pool, call->request.route,
                    [this, shared, call] { return serve(services_, *shared, *call); },
                    std::move(respond), true);
              });
}

void Api::add_page(std::string method, std::string pattern, PageHandler handler) {
  pages_.emplace_back(method, pattern);
  auto shared = std::make_shared<PageHandler>(std::move(handler));
  router_.add(std::move(method), std::move(pattern),
              [this, shared](http::Request& request, http::Responder respond) {
                auto moved = std::make_shared<http::Request>(std::move(request));
                run_on_pool(
                    pool_->pool, moved->route, [shared, moved] { return (*shared)(*moved); },
                    std::move(respond), false);
              });
}

void add_routes(http::Router& router, Api& api, Services& services) {
  add_auth_routes(router, api, services);
  add_settings_routes(api, services);
  add_activity_routes(api, services);
  add_console_routes(router);
}

std::optional<std::string> cookie(const http::Request& request, std::string_view name) {
  for (std::string_view header : request.headers.get_all("Cookie")) {
    while (!header.empty()) {
      size_t end = header.find(';');
      std::string_view pair = header.substr(0, end);
      header = end == std::string_view::npos ? std::string_view{} : header.substr(end + 1);
      while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
      const size_t eq = pair.find('=');
      if (eq == std::string_view::npos || pair.substr(0, eq) != name) continue;
      std::string_view value = pair.substr(eq + 1);
      while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
      return std::string(value);
    }
  }
  return std::nullopt;
}

namespace {

void write_error(rapidjson::Writer<rapidjson::StringBuffer>& w, std::string_view code,
                 std::string_view message) {
  w.Key("error");
  w.StartObject();
  w.Key("code");
  w.String(code.data(), static_cast<rapidjson::SizeType>(code.size()));
  w.Key("message");
  w.String(message.data(), static_cast<rapidjson::SizeType>(message.size()));
  w.EndObject();
}

}  // namespace

http::Response api_error(int status, std::string_view code, std::string_view message) {
  rapidjson::StringBuffer out;
  rapidjson::Writer<rapidjson::StringBuffer> w(out);
  w.StartObject();
  write_error(w, code, message);
  w.EndObject();
  return http::Response::json(status, out.GetString());
}

http::Response validation_error(const tenant::ValidationErrors& errors) {
  rapidjson::StringBuffer out;
  rapidjson::Writer<rapidjson::StringBuffer> w(out);
  w.StartObject();
  write_error(w, "validation", std::to_string(errors.size()) + "件の入力エラーがあります。");
  w.Key("errors");
  w.StartArray();
  for (const auto& e : errors) {
    w.StartObject();
    w.Key("field");
    w.String(e.field.c_str());
    w.Key("code");
    w.String(e.code.c_str());
    w.Key("message");
    w.String(e.message.c_str());
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return http::Response::json(422, out.GetString());
}

http::Response json_ok(std::string body) {
  return http::Response::json(200, std::move(body));
}

std::optional<rapidjson::Document> json_body(const http::Request& request) {
  // json::parse: depth-limited, iterative, UTF-8 checked (untrusted input).
  rapidjson::Document doc;
  if (!json::parse(doc, request.body) || !doc.IsObject()) return std::nullopt;
  return doc;
}

http::Response bad_json() {
  return api_error(400, "bad_json", "リクエストの本文が JSON オブジェクトではありません。");
}

}  // namespace hbsync::admin
