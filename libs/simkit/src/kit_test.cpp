#include "hbsync/simkit/kit.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>

#include "hbsync/simkit/json.hpp"

namespace hbsync::simkit {
namespace {

using namespace std::chrono_literals;

struct Fixture : ::testing::Test {
  std::atomic<int> resets{0};
  std::atomic<int> handled{0};
  Kit kit{KitOptions{
      .name = "test",
      .error_response =
          [](int status, std::string_view message) {
            return http::Response::json(status, json_object("message", message));
          },
      .account_of =
          [](const http::Request& r) {
            return std::string(r.headers.get("x-api-key").value_or(""));
          },
      .on_reset = [this] { ++resets; },
      .extra_calls_json = [] { return std::string("{\"extra\":1}"); },
  }};
  http::Router router;

  void SetUp() override {
    install_control_routes(router, kit);
    add_api_route_sync(router, kit, "GET", "/v1/things/{id}", [this](http::Request&) {
      ++handled;
      return http::Response::json(200, "{}");
    });
  }

  http::Response call(const std::string& method, const std::string& target,
                      const std::string& body = "", std::chrono::milliseconds wait = 5s) {
    http::Request request;
    request.method = method;
    request.target = target;
    request.body = body;
    request.headers.set("x-api-key", "k");
    auto promise = std::make_shared<std::promise<http::Response>>();
    auto future = promise->get_future();
    router.dispatch(request, [promise](http::Response r) { promise->set_value(std::move(r)); });
    if (future.wait_for(wait) != std::future_status::ready) {
      http::Response none;
      none.status = 0;
      return none;
    }
    return future.get();
  }
};

TEST_F(Fixture, CountsApiCallsByPatternNotControlCalls) {
  EXPECT_EQ(call("GET", "/v1/things/1").status, 200);
  EXPECT_EQ(call("GET", "/v1/things/2").status, 200);
  EXPECT_EQ(call("GET", "/_sim/faults").status, 200);
  EXPECT_EQ(kit.calls().total(), 2);
  EXPECT_EQ(kit.calls().count_for("k", "GET /v1/things/{id}", 200), 2);
  http::Response calls = call("GET", "/_sim/calls");
  rapidjson::Document doc;
  ASSERT_FALSE(parse_json(calls.body, doc));
  EXPECT_EQ(doc["total"].GetInt(), 2);
  EXPECT_EQ(doc["extra"].GetInt(), 1);
  EXPECT_EQ(doc["accounts"]["k"]["routes"]["GET /v1/things/{id}"]["200"].GetInt(), 2);
}

TEST_F(Fixture, StatusFaultUsesTheSimulatorsErrorFormatAndSkipsTheHandler) {
  ASSERT_EQ(call("POST", "/_sim/faults",
                 R"({"count":2,"route":"GET /v1/things/{id}","status":429,"retry_after":3})")
                .status,
            200);
  for (int i = 0; i < 2; ++i) {
    http::Response r = call("GET", "/v1/things/1");
    EXPECT_EQ(r.status, 429);
    EXPECT_EQ(r.body, "{\"message\":\"simulated fault\"}");
    EXPECT_EQ(r.headers.get("Retry-After").value_or(""), "3");
  }
  EXPECT_EQ(handled.load(), 0);
  EXPECT_EQ(call("GET", "/v1/things/1").status, 200);
  EXPECT_EQ(kit.calls().count("GET /v1/things/{id}", 429), 2);
}

TEST_F(Fixture, FaultForAnotherRouteDoesNotApply) {
  call("POST", "/_sim/faults", R"({"route":"POST /v1/things/{id}","status":500})");
  EXPECT_EQ(call("GET", "/v1/things/1").status, 200);
}

TEST_F(Fixture, HangAnswersOnlyAfterTheHangTime) {
  call("POST", "/_sim/faults", R"({"hang_ms":300})");
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(call("GET", "/v1/things/1", "", 100ms).status, 0);  // a client with a short timeout
  http::Response late = call("GET", "/v1/things/1");            // the next one is normal
  EXPECT_EQ(late.status, 200);
  EXPECT_EQ(handled.load(), 1);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 100ms);
}

TEST_F(Fixture, LatencyDelaysTheAnswer) {
  call("POST", "/_sim/latency", R"({"ms":150})");
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(call("GET", "/v1/things/1").status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 150ms);
  call("DELETE", "/_sim/faults");
  EXPECT_EQ(kit.faults().latency(), 0ms);
}

TEST_F(Fixture, ControlValidation) {
  EXPECT_EQ(call("POST", "/_sim/faults", R"({"count":1})").status, 400);
  EXPECT_EQ(call("POST", "/_sim/faults", R"({"status":200})").status, 400);
  EXPECT_EQ(call("POST", "/_sim/faults", R"({"status":503,"hang_ms":5})").status, 400);
  EXPECT_EQ(call("POST", "/_sim/faults", R"({"count":0,"status":503})").status, 400);
  EXPECT_EQ(call("POST", "/_sim/faults", "not json").status, 400);
  EXPECT_EQ(call("POST", "/_sim/latency", R"({"ms":-1})").status, 400);
  EXPECT_EQ(call("POST", "/_sim/revoke", R"({})").status, 400);
  EXPECT_EQ(call("POST", "/_sim/time-scale", R"({"factor":0})").status, 400);
  EXPECT_TRUE(kit.faults().rules().empty());
}

TEST_F(Fixture, RevokeTimeScaleAndReset) {
  EXPECT_EQ(call("POST", "/_sim/revoke", R"({"credential":"tok"})").status, 200);
  EXPECT_TRUE(kit.faults().revoked("tok"));
  EXPECT_EQ(call("POST", "/_sim/unrevoke", R"({"credential":"tok"})").status, 200);
  EXPECT_FALSE(kit.faults().revoked("tok"));
  EXPECT_EQ(call("POST", "/_sim/time-scale", R"({"factor":0.5})").status, 200);
  EXPECT_DOUBLE_EQ(kit.time_scale().factor(), 0.5);
  call("GET", "/v1/things/1");
  call("POST", "/_sim/revoke", R"({"credential":"tok"})");
  EXPECT_EQ(call("POST", "/_sim/reset").status, 200);
  EXPECT_EQ(resets.load(), 1);
  EXPECT_EQ(kit.calls().total(), 0);
  EXPECT_FALSE(kit.faults().revoked("tok"));
  EXPECT_EQ(call("GET", "/_sim/healthz").body, "{\"status\":\"ok\",\"simulator\":\"test\"}");
}

}  // namespace
}  // namespace hbsync::simkit
