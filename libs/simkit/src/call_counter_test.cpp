#include "hbsync/simkit/call_counter.hpp"

#include <gtest/gtest.h>

namespace hbsync::simkit {
namespace {

using std::chrono::milliseconds;
using Clock = CallCounter::Clock;

TEST(CallCounter, CountsByRouteStatusAndAccount) {
  CallCounter calls;
  calls.record("k1", "GET", "/v1/clients", 200);
  calls.record("k1", "GET", "/v1/clients", 429);
  calls.record("k2", "POST", "/v1/clients", 201);
  calls.record("", "GET", "/v1/users", 401);
  EXPECT_EQ(calls.total(), 4);
  EXPECT_EQ(calls.count("GET /v1/clients"), 2);
  EXPECT_EQ(calls.count("GET /v1/clients", 429), 1);
  EXPECT_EQ(calls.count_for("k1", "GET /v1/clients", 200), 1);
  EXPECT_EQ(calls.count_for("k2", "GET /v1/clients"), 0);
  EXPECT_EQ(calls.count("GET /v1/users", 401), 1);
}

TEST(CallCounter, JsonShape) {
  CallCounter calls;
  Clock::time_point t0{};
  calls.record("k", "GET", "/v1/clients", 200, t0);
  calls.record("k", "GET", "/v1/clients", 429, t0);
  calls.record("", "GET", "/v1/users", 401, t0);
  EXPECT_EQ(calls.to_json(),
            "{\"total\":3,\"peak_window_ms\":1000,"
            "\"routes\":{\"GET /v1/clients\":{\"200\":1,\"429\":1},\"GET /v1/users\":{\"401\":1}},"
            "\"accounts\":{\"k\":{\"total\":2,\"max_in_window\":2,"
            "\"routes\":{\"GET /v1/clients\":{\"200\":1,\"429\":1}}}}}");
}

TEST(CallCounter, PeakIsTheBusiestWindow) {
  CallCounter calls(std::chrono::seconds(1));
  Clock::time_point t0{};
  // 3 per second, evenly: never 4 inside one window.
  for (int i = 0; i < 12; ++i) calls.record("k", "GET", "/x", 200, t0 + milliseconds(334 * i));
  EXPECT_EQ(calls.peak("k"), 3);
  // One request exactly one window after another does not share its window.
  CallCounter edge(std::chrono::seconds(1));
  edge.record("k", "GET", "/x", 200, t0);
  edge.record("k", "GET", "/x", 200, t0 + milliseconds(1000));
  EXPECT_EQ(edge.peak("k"), 1);
  edge.record("k", "GET", "/x", 200, t0 + milliseconds(1999));
  EXPECT_EQ(edge.peak("k"), 2);
}

TEST(CallCounter, LateRecordsStillCountInTheirWindow) {
  CallCounter calls(std::chrono::seconds(1));
  Clock::time_point t0{};
  calls.record("k", "GET", "/x", 200, t0 + milliseconds(100));
  calls.record("k", "GET", "/x", 200, t0 + milliseconds(900));
  calls.record("k", "GET", "/x", 200, t0 + milliseconds(1500));
  EXPECT_EQ(calls.peak("k"), 2);
  // A slow response of a request that arrived at 500 ms is recorded last.
  calls.record("k", "GET", "/x", 200, t0 + milliseconds(500));
  EXPECT_EQ(calls.peak("k"), 3);
}

TEST(CallCounter, ResetClearsEverything) {
  CallCounter calls;
  calls.record("k", "GET", "/x", 200);
  calls.reset();
  EXPECT_EQ(calls.total(), 0);
  EXPECT_EQ(calls.peak("k"), 0);
  EXPECT_EQ(calls.to_json(), "{\"total\":0,\"peak_window_ms\":1000,\"routes\":{},\"accounts\":{}}");
}

}  // namespace
}  // namespace hbsync::simkit
