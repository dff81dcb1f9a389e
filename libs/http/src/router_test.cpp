#include "hbsync/http/router.hpp"

#include <optional>
#include <stdexcept>

#include <gtest/gtest.h>

namespace hbsync::http {
namespace {

// Dispatches synchronously and returns what the handler (or router) answered.
std::optional<Response> call(const Router& router, Request& request) {
  std::optional<Response> answer;
  router.dispatch(request, [&](Response r) { answer = std::move(r); });
  return answer;
}

Request make(std::string method, std::string target) {
  Request r;
  r.method = std::move(method);
  r.target = std::move(target);
  return r;
}

Router sample_router() {
  Router router;
  router.add_sync("GET", "/v1/clients/{id}", [](Request& r) {
    return Response::text(200, "client " + r.path_params.at("id"));
  });
  router.add_sync("PUT", "/v1/clients/{id}", [](Request&) { return Response::text(200, "put"); });
  router.add_sync("GET", "/v1/clients/search",
                  [](Request&) { return Response::text(200, "search"); });
  router.add_sync("GET", "/v1/tenants/{tenant}/deals/{deal}", [](Request& r) {
    return Response::text(200, r.path_params.at("tenant") + "/" + r.path_params.at("deal"));
  });
  router.add_sync("GET", "/", [](Request&) { return Response::text(200, "root"); });
  return router;
}

TEST(Router, MatchesParametersAndDecodesThem) {
  Router router = sample_router();
  auto req = make("GET", "/v1/clients/c%2042?x=1");
  auto res = call(router, req);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "client c 42");
  EXPECT_EQ(req.route, "/v1/clients/{id}");
  EXPECT_EQ(req.path_param("id"), "c 42");

  auto two = make("GET", "/v1/tenants/t1/deals/d9");
  EXPECT_EQ(call(router, two)->body, "t1/d9");
  EXPECT_EQ(two.path_params.size(), 2u);

  auto root = make("GET", "/");
  EXPECT_EQ(call(router, root)->body, "root");
}

TEST(Router, LiteralSegmentBeatsParameterRegardlessOfOrder) {
  Router router = sample_router();
  auto req = make("GET", "/v1/clients/search");
  EXPECT_EQ(call(router, req)->body, "search");
  EXPECT_EQ(req.route, "/v1/clients/search");
  EXPECT_TRUE(req.path_params.empty());
}

TEST(Router, UnknownPathIs404Json) {
  Router router = sample_router();
  for (const char* target :
       {"/v1/clients", "/v1/clients/", "/v1/clients/1/extra", "/nope", "/v1/tenants/t1/deals/"}) {
    auto req = make("GET", target);
    auto res = call(router, req);
    ASSERT_TRUE(res) << target;
    EXPECT_EQ(res->status, 404) << target;
    EXPECT_EQ(res->body, R"({"error":"not found"})");
    EXPECT_EQ(res->headers.get("content-type"), "application/json");
    EXPECT_EQ(router.route_of(req), "unmatched");
  }
}

TEST(Router, WrongMethodIs405WithAllow) {
  Router router = sample_router();
  auto req = make("DELETE", "/v1/clients/7");
  auto res = call(router, req);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 405);
  EXPECT_EQ(res->headers.get("Allow"), "GET, PUT");
  EXPECT_EQ(res->body, R"({"error":"method not allowed"})");
  EXPECT_EQ(router.route_of(req), "/v1/clients/{id}");

  // The literal route only allows GET; the parameter route's PUT is not offered.
  auto post = make("POST", "/v1/clients/search");
  auto res2 = call(router, post);
  EXPECT_EQ(res2->status, 405);
  EXPECT_EQ(res2->headers.get("allow"), "GET");
}

TEST(Router, RouteOfReportsPatternNotPath) {
  Router router = sample_router();
  EXPECT_EQ(router.route_of(make("GET", "/v1/clients/123?x")), "/v1/clients/{id}");
  EXPECT_EQ(router.route_of(make("PUT", "/v1/clients/123")), "/v1/clients/{id}");
  EXPECT_EQ(router.route_of(make("GET", "/v1/clients/search")), "/v1/clients/search");
}

TEST(Router, AsyncHandlerMayKeepTheResponder) {
  Router router;
  Responder saved;
  router.add("POST", "/later", [&](Request&, Responder respond) { saved = std::move(respond); });
  auto req = make("POST", "/later");
  std::optional<Response> answer;
  router.dispatch(req, [&](Response r) { answer = std::move(r); });
  EXPECT_FALSE(answer);
  ASSERT_TRUE(saved);
  saved(Response::json(202, "{}"));
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 202);
}

TEST(Router, HandlerExceptionsPropagate) {
  Router router;
  router.add_sync("GET", "/boom", [](Request&) -> Response { throw std::runtime_error("boom"); });
  auto req = make("GET", "/boom");
  EXPECT_THROW(call(router, req), std::runtime_error);
}

TEST(Router, RejectsBadPatterns) {
  Router router;
  auto ok = [](Request&) { return Response::text(200, ""); };
  EXPECT_THROW(router.add_sync("GET", "no-slash", ok), std::invalid_argument);
  EXPECT_THROW(router.add_sync("GET", "/a/x{id}", ok), std::invalid_argument);
  EXPECT_THROW(router.add_sync("GET", "/a/{}", ok), std::invalid_argument);
  router.add_sync("GET", "/a/{id}", ok);
  EXPECT_THROW(router.add_sync("GET", "/a/{id}", ok), std::invalid_argument);
}

TEST(Response, ErrorBodyIsEscapedJson) {
  auto r = Response::error(400, "bad \"quote\"\n");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, R"({"error":"bad \"quote\"\n"})");
}

TEST(Headers, AreCaseInsensitiveAndKeepRepeats) {
  Headers h;
  h.add("Set-Cookie", "a=1");
  h.add("set-cookie", "b=2");
  h.set("Content-Type", "text/plain");
  EXPECT_EQ(h.get("SET-COOKIE"), "a=1");
  EXPECT_EQ(h.get_all("Set-Cookie").size(), 2u);
  h.set("CONTENT-TYPE", "application/json");
  EXPECT_EQ(h.get_all("content-type").size(), 1u);
  EXPECT_EQ(h.get("Content-Type"), "application/json");
  h.remove("set-cookie");
  EXPECT_FALSE(h.has("Set-Cookie"));
  EXPECT_EQ(h.size(), 1u);
}

TEST(Request, QueryHelpers) {
  auto r = make("GET", "/p/a%20b?x=1&y=hello+world&x=2");
  EXPECT_EQ(r.path(), "/p/a%20b");
  EXPECT_EQ(r.query_string(), "x=1&y=hello+world&x=2");
  EXPECT_EQ(r.query_param("x"), "1");
  EXPECT_EQ(r.query_param("y"), "hello world");
  EXPECT_EQ(r.query_param("z"), std::nullopt);
  EXPECT_EQ(r.query().size(), 3u);
  EXPECT_EQ(make("GET", "/plain").query_string(), "");
}

}  // namespace
}  // namespace hbsync::http
