#include "hbsync/simkit/faults.hpp"

#include <gtest/gtest.h>

namespace hbsync::simkit {
namespace {

using Rule = FaultInjector::Rule;

TEST(RouteMatches, EmptyPatternOnlyOrMethodAndPattern) {
  EXPECT_TRUE(route_matches("", "GET", "/v1/projects"));
  EXPECT_TRUE(route_matches("/v1/projects", "GET", "/v1/projects"));
  EXPECT_TRUE(route_matches("/v1/projects", "POST", "/v1/projects"));
  EXPECT_FALSE(route_matches("/v1/projects", "GET", "/v1/projects/{id}"));
  EXPECT_TRUE(route_matches("POST /v1/projects", "POST", "/v1/projects"));
  EXPECT_FALSE(route_matches("POST /v1/projects", "GET", "/v1/projects"));
  EXPECT_FALSE(route_matches("POST /v1/projects", "POSTX", "/v1/projects"));
}

TEST(FaultInjector, RuleAppliesExactlyCountTimes) {
  FaultInjector faults;
  faults.add(Rule{.remaining = 2, .route = "", .status = 503});
  EXPECT_EQ(faults.take("GET", "/v1/users")->status, 503);
  EXPECT_EQ(faults.take("POST", "/v1/clients")->status, 503);
  EXPECT_FALSE(faults.take("GET", "/v1/users"));
  EXPECT_TRUE(faults.rules().empty());
}

TEST(FaultInjector, RouteSpecificRuleLeavesOtherRoutesAlone) {
  FaultInjector faults;
  faults.add(Rule{.remaining = 1, .route = "POST /v1/projects", .status = 500});
  EXPECT_FALSE(faults.take("GET", "/v1/projects"));
  EXPECT_FALSE(faults.take("POST", "/v1/clients"));
  auto taken = faults.take("POST", "/v1/projects");
  ASSERT_TRUE(taken);
  EXPECT_EQ(taken->status, 500);
  EXPECT_FALSE(faults.take("POST", "/v1/projects"));
}

TEST(FaultInjector, RulesAreConsultedInOrder) {
  FaultInjector faults;
  faults.add(Rule{.remaining = 1, .route = "", .status = 429, .retry_after_s = 2});
  faults.add(Rule{.remaining = 1,
                  .route = "",
                  .kind = Rule::Kind::hang,
                  .hang = std::chrono::milliseconds(100)});
  auto first = faults.take("GET", "/x");
  EXPECT_EQ(first->status, 429);
  EXPECT_EQ(first->retry_after_s, 2);
  EXPECT_EQ(faults.take("GET", "/x")->kind, Rule::Kind::hang);
}

TEST(FaultInjector, ZeroCountRulesAreIgnored) {
  FaultInjector faults;
  faults.add(Rule{.remaining = 0});
  EXPECT_FALSE(faults.take("GET", "/x"));
}

TEST(FaultInjector, RevocationsAndLatencyUntilReset) {
  FaultInjector faults;
  faults.revoke("token-1");
  faults.set_latency(std::chrono::milliseconds(50));
  EXPECT_TRUE(faults.revoked("token-1"));
  EXPECT_FALSE(faults.revoked("token-2"));
  faults.clear();  // rules only
  EXPECT_TRUE(faults.revoked("token-1"));
  EXPECT_EQ(faults.latency(), std::chrono::milliseconds(50));
  faults.unrevoke("token-1");
  EXPECT_FALSE(faults.revoked("token-1"));
  faults.revoke("token-3");
  faults.reset();
  EXPECT_FALSE(faults.revoked("token-3"));
  EXPECT_EQ(faults.latency(), std::chrono::milliseconds(0));
}

TEST(FaultInjector, JsonListsRules) {
  FaultInjector faults;
  faults.add(Rule{.remaining = 3, .route = "POST /v1/projects", .status = 503, .retry_after_s = 1});
  faults.add(Rule{.remaining = 1, .kind = Rule::Kind::hang, .hang = std::chrono::milliseconds(40)});
  faults.revoke("k");
  EXPECT_EQ(faults.to_json(),
            "{\"rules\":[{\"remaining\":3,\"route\":\"POST /v1/projects\",\"status\":503,"
            "\"retry_after\":1},{\"remaining\":1,\"route\":\"\",\"hang_ms\":40}],"
            "\"latency_ms\":0,\"revoked\":[\"k\"]}");
}

}  // namespace
}  // namespace hbsync::simkit
