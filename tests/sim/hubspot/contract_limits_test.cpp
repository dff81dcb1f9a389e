// Rate-limit and fault contract: 110 requests per rolling 10 s per portal,
// search 5 per second on its own budget, HubSpot's 429 body and headers, and
// simkit's injected faults in HubSpot's error format.
#include <gtest/gtest.h>

#include "contract_support.hpp"

namespace hbsync::sim_hubspot::contract {
namespace {

class LimitsContract : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { sim_ = new SimHubSpot(); }
  static void TearDownTestSuite() {
    delete sim_;
    sim_ = nullptr;
  }
  void SetUp() override { ASSERT_EQ(sim_->control("POST", "/_sim/reset").status, 200); }

  static void expect_rate_limit_body(const Reply& reply, const std::string& policy) {
    ASSERT_EQ(reply.status, 429) << reply.body;
    rapidjson::Document e = reply.json();
    EXPECT_EQ(std::string(e["status"].GetString()), "error");
    EXPECT_EQ(std::string(e["errorType"].GetString()), "RATE_LIMIT");
    EXPECT_EQ(std::string(e["policyName"].GetString()), policy);
    EXPECT_TRUE(e["message"].IsString());
    EXPECT_TRUE(e["correlationId"].IsString());
    EXPECT_FALSE(reply.header("Retry-After").empty());
  }

  static SimHubSpot* sim_;
};

SimHubSpot* LimitsContract::sim_ = nullptr;

TEST_F(LimitsContract, The111thRequestInTenSecondsGets429) {
  auto t = sim_->tenant(6001);
  auto other = sim_->tenant(6002);
  for (int i = 1; i <= 110; ++i) {
    Reply r = sim_->get("/crm/v3/pipelines/deals", t.token);
    ASSERT_EQ(r.status, 200) << "request " << i << ": " << r.body;
    EXPECT_EQ(r.header("X-HubSpot-RateLimit-Max"), "110");
    EXPECT_EQ(r.header("X-HubSpot-RateLimit-Remaining"), std::to_string(110 - i));
    EXPECT_EQ(r.header("X-HubSpot-RateLimit-Interval-Milliseconds"), "10000");
  }
  Reply limited = sim_->get("/crm/v3/pipelines/deals", t.token);
  expect_rate_limit_body(limited, "TEN_SECONDLY_ROLLING");
  EXPECT_EQ(limited.header("X-HubSpot-RateLimit-Remaining"), "0");
  // Per portal: another account is untouched.
  EXPECT_EQ(sim_->get("/crm/v3/pipelines/deals", other.token).status, 200);
  // Refused requests are counted by the simulator as 429s.
  rapidjson::Document calls = sim_->control("GET", "/_sim/calls").json();
  EXPECT_EQ(
      calls["accounts"]["6001"]["routes"]["GET /crm/v3/pipelines/{objectType}"]["429"].GetInt(), 1);
}

TEST_F(LimitsContract, SearchHasItsOwnFivePerSecondBudget) {
  auto t = sim_->tenant(6003);
  const std::string body = R"({"filterGroups":[],"limit":1})";
  for (int i = 1; i <= 5; ++i) {
    Reply r = sim_->post("/crm/v3/objects/companies/search", t.token, body);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.header("X-HubSpot-RateLimit-Max"), "5");
    EXPECT_EQ(r.header("X-HubSpot-RateLimit-Interval-Milliseconds"), "1000");
  }
  expect_rate_limit_body(sim_->post("/crm/v3/objects/companies/search", t.token, body), "SECONDLY");
  // Search did not use the ten-second budget.
  Reply standard = sim_->get("/crm/v3/pipelines/deals", t.token);
  EXPECT_EQ(standard.status, 200);
  EXPECT_EQ(standard.header("X-HubSpot-RateLimit-Remaining"), "109");
}

TEST_F(LimitsContract, InjectedFaultsUseHubSpotErrorBodies) {
  auto t = sim_->tenant(6004);
  ASSERT_EQ(
      sim_->control("POST", "/_sim/faults",
                    R"({"count":2,"status":503,"route":"GET /crm/v3/pipelines/{objectType}"})")
          .status,
      200);
  for (int i = 0; i < 2; ++i) {
    Reply r = sim_->get("/crm/v3/pipelines/deals", t.token);
    EXPECT_EQ(r.status, 503);
    rapidjson::Document e = r.json();
    EXPECT_EQ(std::string(e["status"].GetString()), "error");
    EXPECT_TRUE(e["category"].IsString());
  }
  EXPECT_EQ(sim_->get("/crm/v3/pipelines/deals", t.token).status, 200);
  ASSERT_EQ(sim_->control("POST", "/_sim/faults", R"({"status":429,"retry_after":3})").status, 200);
  Reply limited = sim_->get("/crm/v3/pipelines/deals", t.token);
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(std::string(limited.json()["policyName"].GetString()), "TEN_SECONDLY_ROLLING");
  EXPECT_EQ(limited.header("Retry-After"), "3");
}

}  // namespace
}  // namespace hbsync::sim_hubspot::contract
