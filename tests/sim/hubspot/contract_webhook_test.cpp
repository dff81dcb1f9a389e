// Webhook contract: payload fields, v3 (and v1) signatures verifiable with
// libs/webhook, retries with attemptNumber counting up, give-up after 10
// attempts, slow and refused receivers, duplicate/reorder switches and the
// per-portal concurrency cap.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <thread>

#include "contract_support.hpp"
#include "hbsync/testing/process.hpp"
#include "hbsync/webhook/signature.hpp"

namespace hbsync::sim_hubspot::contract {
namespace {

using namespace std::chrono_literals;

// Every event of every request, in arrival order.
std::vector<rapidjson::Document> events_of(const std::vector<Receiver::Received>& received) {
  std::vector<rapidjson::Document> out;
  for (const auto& r : received) {
    rapidjson::Document doc;
    doc.Parse(r.body.data(), r.body.size());
    if (!doc.IsArray()) continue;
    for (auto& e : doc.GetArray()) {
      rapidjson::Document one;
      one.CopyFrom(e, one.GetAllocator());
      out.push_back(std::move(one));
    }
  }
  return out;
}

std::string str(const rapidjson::Value& v, const char* name) {
  return v.HasMember(name) && v[name].IsString() ? v[name].GetString() : "";
}

class WebhookContract : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    sim_ = new SimHubSpot({{"HBSYNC_SIM_HUBSPOT_TIME_SCALE", "0.00001"},
                           {"HBSYNC_SIM_HUBSPOT_WEBHOOK_TIMEOUT", "300ms"}});
  }
  static void TearDownTestSuite() {
    delete sim_;
    sim_ = nullptr;
  }
  void SetUp() override { ASSERT_EQ(sim_->control("POST", "/_sim/reset").status, 200); }

  static SimHubSpot* sim_;
};

SimHubSpot* WebhookContract::sim_ = nullptr;

TEST_F(WebhookContract, EveryChangeArrivesSignedWithHubSpotFields) {
  Receiver receiver;
  auto t = sim_->tenant(7001, receiver.url());
  std::string company = sim_->create(t, "companies", R"({"name":"Acme"})");
  std::string deal = sim_->create(
      t, "deals", R"({"dealname":"D","dealstage":"qualifiedtobuy","amount":"100"})",
      R"([{"to":{"id":")" + company +
          R"("},"types":[{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":5}]}])");
  ASSERT_EQ(sim_->send("PATCH", "/crm/v3/objects/deals/" + deal, t.token,
                       R"({"properties":{"dealstage":"closedwon"}})")
                .status,
            200);
  ASSERT_EQ(sim_->send("DELETE", "/crm/v3/objects/deals/" + deal, t.token).status, 204);
  sim_->flush_webhooks();

  auto received = receiver.received();
  ASSERT_FALSE(received.empty());
  int64_t now = webhook::unix_millis();
  for (const auto& r : received) {
    std::string ts(r.headers.get("X-HubSpot-Request-Timestamp").value_or(""));
    std::string v3(r.headers.get("X-HubSpot-Signature-v3").value_or(""));
    EXPECT_EQ(webhook::verify_v3(t.client_secret, "POST", receiver.url(), r.body, ts, v3, now),
              webhook::Verdict::ok);
    EXPECT_NE(webhook::verify_v3("other-secret", "POST", receiver.url(), r.body, ts, v3, now),
              webhook::Verdict::ok);
    EXPECT_EQ(r.headers.get("X-HubSpot-Signature").value_or(""),
              webhook::sign_v1(t.client_secret, r.body));
    EXPECT_EQ(r.headers.get("X-HubSpot-Signature-Version").value_or(""), "v1");
  }

  std::multiset<std::string> seen;
  for (const auto& e : events_of(received)) {
    for (const char* field : {"eventId", "subscriptionId", "portalId", "appId", "occurredAt"}) {
      EXPECT_TRUE(e[field].IsInt64()) << field;
    }
    EXPECT_EQ(e["portalId"].GetInt64(), 7001);
    EXPECT_EQ(e["appId"].GetInt64(), t.app_id);
    EXPECT_EQ(e["attemptNumber"].GetInt(), 0);
    EXPECT_EQ(str(e, "changeSource"), "INTEGRATION");
    std::string type = str(e, "subscriptionType");
    if (type == "deal.propertyChange") {
      seen.insert(type + ":" + str(e, "propertyName") + "=" + str(e, "propertyValue"));
    } else if (type.find("associationChange") != std::string::npos) {
      EXPECT_FALSE(e["associationRemoved"].GetBool());
      seen.insert(type + ":" + str(e, "associationType") + ":" +
                  std::to_string(e["fromObjectId"].GetInt64()) + ">" +
                  std::to_string(e["toObjectId"].GetInt64()) +
                  (e["isPrimaryAssociation"].GetBool() ? ":primary" : ""));
    } else {
      seen.insert(type + ":" + std::to_string(e["objectId"].GetInt64()));
    }
  }
  for (const std::string& expected : std::vector<std::string>{
           "company.creation:" + company,
           "deal.creation:" + deal,
           "deal.propertyChange:dealstage=qualifiedtobuy",
           "deal.propertyChange:dealstage=closedwon",
           "deal.propertyChange:amount=100",
           "deal.propertyChange:pipeline=default",
           "deal.associationChange:DEAL_TO_COMPANY:" + deal + ">" + company,
           "deal.associationChange:DEAL_TO_COMPANY:" + deal + ">" + company + ":primary",
           "company.associationChange:COMPANY_TO_DEAL:" + company + ">" + deal,
           "company.associationChange:COMPANY_TO_DEAL:" + company + ">" + deal + ":primary",
           "deal.deletion:" + deal,
       }) {
    EXPECT_EQ(seen.count(expected), 1u) << expected;
  }
  rapidjson::Document state = sim_->control("GET", "/_sim/webhooks").json();
  EXPECT_EQ(state["pending"].GetInt(), 0);
  EXPECT_EQ(state["given_up"].GetInt(), 0);
  EXPECT_GE(state["delivered"].GetInt(), 1);
}

TEST_F(WebhookContract, RetriesWithRisingAttemptNumberAndFreshTimestamp) {
  Receiver receiver([](const Receiver::Received&, int call) { return call < 3 ? 500 : 200; });
  auto t = sim_->tenant(7002, receiver.url());
  sim_->create(t, "companies", R"({"name":"Acme"})");
  sim_->flush_webhooks();
  auto received = receiver.received();
  ASSERT_EQ(received.size(), 4u);
  std::string ts_before;
  for (size_t i = 0; i < received.size(); ++i) {
    rapidjson::Document doc;
    doc.Parse(received[i].body.c_str());
    for (const auto& e : doc.GetArray())
      EXPECT_EQ(e["attemptNumber"].GetInt(), static_cast<int>(i));
    std::string ts(received[i].headers.get("X-HubSpot-Request-Timestamp").value_or(""));
    EXPECT_GE(ts, ts_before);
    ts_before = ts;
    EXPECT_EQ(webhook::verify_v3(
                  t.client_secret, "POST", receiver.url(), received[i].body, ts,
                  std::string(received[i].headers.get("X-HubSpot-Signature-v3").value_or("")),
                  webhook::unix_millis()),
              webhook::Verdict::ok);
  }
  rapidjson::Document state = sim_->control("GET", "/_sim/webhooks").json();
  EXPECT_EQ(state["delivered"].GetInt(), 1);
  ASSERT_EQ(state["batches"].Size(), 1u);
  const auto& attempts = state["batches"][0]["attempts"];
  ASSERT_EQ(attempts.Size(), 4u);
  EXPECT_EQ(attempts[0]["status"].GetInt(), 500);
  EXPECT_EQ(attempts[3]["status"].GetInt(), 200);
}

TEST_F(WebhookContract, GivesUpAfterTenAttempts) {
  Receiver receiver([](const Receiver::Received&, int) { return 503; });
  auto t = sim_->tenant(7003, receiver.url());
  sim_->create(t, "companies", R"({"name":"Acme"})");
  rapidjson::Document state = sim_->flush_webhooks();
  EXPECT_EQ(state["given_up"].GetInt(), 1);
  EXPECT_EQ(state["delivered"].GetInt(), 0);
  auto received = receiver.received();
  ASSERT_EQ(received.size(), 10u);
  std::set<int> attempts;
  for (const auto& e : events_of(received)) attempts.insert(e["attemptNumber"].GetInt());
  EXPECT_EQ(attempts, (std::set<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

TEST_F(WebhookContract, SlowAndRefusingReceiversAreRetried) {
  Receiver receiver([](const Receiver::Received&, int call) {
    if (call == 0) std::this_thread::sleep_for(700ms);  // beyond the 300 ms timeout
    return 204;
  });
  auto t = sim_->tenant(7004, receiver.url());
  sim_->create(t, "companies", R"({"name":"Slow"})");
  rapidjson::Document state = sim_->flush_webhooks();
  EXPECT_EQ(state["delivered"].GetInt(), 1);
  rapidjson::Document records = sim_->control("GET", "/_sim/webhooks?portalId=7004").json();
  const auto& attempts = records["batches"][0]["attempts"];
  ASSERT_GE(attempts.Size(), 2u);
  EXPECT_EQ(attempts[0]["status"].GetInt(), 0);
  EXPECT_EQ(std::string(attempts[0]["error"].GetString()), "timeout");

  // Nobody listening: every attempt is refused, then the batch is given up.
  uint16_t closed = testing::free_port();
  auto gone = sim_->tenant(7005, "http://127.0.0.1:" + std::to_string(closed) + "/hooks");
  sim_->create(gone, "companies", R"({"name":"Nobody"})");
  sim_->flush_webhooks();
  rapidjson::Document refused = sim_->control("GET", "/_sim/webhooks?portalId=7005").json();
  EXPECT_EQ(refused["given_up"].GetInt(), 1);
  EXPECT_EQ(refused["batches"][0]["attempts"].Size(), 10u);
}

TEST_F(WebhookContract, DuplicateSwitchDeliversEveryBatchTwice) {
  Receiver receiver;
  auto t = sim_->tenant(7006, receiver.url());
  ASSERT_EQ(sim_->control("POST", "/_sim/webhooks/settings", R"({"duplicate":true})").status, 200);
  sim_->create(t, "companies", R"({"name":"Twice"})");
  sim_->flush_webhooks();
  std::map<int64_t, int> per_event;
  for (const auto& e : events_of(receiver.received())) ++per_event[e["eventId"].GetInt64()];
  ASSERT_FALSE(per_event.empty());
  for (auto [id, n] : per_event) EXPECT_EQ(n, 2) << id;
}

TEST_F(WebhookContract, ReorderSwitchShufflesWhatWasQueued) {
  Receiver receiver;
  auto t = sim_->tenant(7007, receiver.url(), R"("subscriptions":["company.propertyChange"])");
  std::string id = sim_->create(t, "companies", R"({"name":"c0"})");
  sim_->flush_webhooks();
  size_t before = receiver.received().size();
  ASSERT_EQ(sim_->control("POST", "/_sim/webhooks/pause").status, 200);
  for (int i = 1; i <= 30; ++i) {
    ASSERT_EQ(sim_->send("PATCH", "/crm/v3/objects/companies/" + id, t.token,
                         R"({"properties":{"name":"c)" + std::to_string(i) + "\"}}")
                  .status,
              200);
  }
  ASSERT_EQ(sim_->control("POST", "/_sim/webhooks/settings", R"({"reorder":true})").status, 200);
  ASSERT_EQ(sim_->control("POST", "/_sim/webhooks/resume").status, 200);
  sim_->flush_webhooks();
  auto received = receiver.received();
  std::vector<Receiver::Received> after(received.begin() + static_cast<std::ptrdiff_t>(before),
                                        received.end());
  std::vector<int64_t> ids;
  for (const auto& e : events_of(after)) ids.push_back(e["eventId"].GetInt64());
  ASSERT_EQ(ids.size(), 30u);
  EXPECT_FALSE(std::is_sorted(ids.begin(), ids.end()));
  EXPECT_EQ(std::set<int64_t>(ids.begin(), ids.end()).size(), 30u);
}

TEST_F(WebhookContract, UserChangesAndMergesComeFromTheControlApi) {
  Receiver receiver;
  auto t = sim_->tenant(7008, receiver.url());
  std::string a = sim_->create(t, "deals", R"({"dealname":"A","dealstage":"qualifiedtobuy"})");
  std::string b = sim_->create(t, "deals", R"({"dealname":"B","dealstage":"qualifiedtobuy"})");
  sim_->flush_webhooks();
  size_t before = receiver.received().size();
  ASSERT_EQ(sim_->control("PATCH", "/_sim/portals/7008/objects/deals/" + a,
                          R"({"properties":{"dealstage":"closedwon"}})")
                .status,
            200);
  ASSERT_EQ(sim_->control("POST", "/_sim/portals/7008/merge",
                          R"({"type":"deals","primary":)" + a + R"(,"merged":)" + b + "}")
                .status,
            200);
  sim_->flush_webhooks();
  auto received = receiver.received();
  std::vector<Receiver::Received> after(received.begin() + static_cast<std::ptrdiff_t>(before),
                                        received.end());
  bool stage = false, merge = false;
  for (const auto& e : events_of(after)) {
    EXPECT_EQ(str(e, "changeSource"), "CRM_UI");
    if (str(e, "subscriptionType") == "deal.propertyChange" &&
        str(e, "propertyName") == "dealstage") {
      stage = str(e, "propertyValue") == "closedwon";
    }
    if (str(e, "subscriptionType") == "deal.merge") {
      merge = true;
      EXPECT_EQ(std::to_string(e["primaryObjectId"].GetInt64()), a);
      ASSERT_EQ(e["mergedObjectIds"].Size(), 1u);
      EXPECT_EQ(std::to_string(e["mergedObjectIds"][0].GetInt64()), b);
      EXPECT_EQ(std::to_string(e["newObjectId"].GetInt64()), a);
    }
  }
  EXPECT_TRUE(stage);
  EXPECT_TRUE(merge);
}

// A simulator of its own: one event per request makes many requests.
TEST(WebhookConcurrency, NeverMoreThanTenInFlightPerPortal) {
  SimHubSpot sim({{"HBSYNC_SIM_HUBSPOT_WEBHOOK_BATCH_SIZE", "1"},
                  {"HBSYNC_SIM_HUBSPOT_TIME_SCALE", "0.00001"}});
  std::mutex mutex;
  std::map<int64_t, int> in_flight, peak;
  Receiver receiver(
      [&](const Receiver::Received& r, int) {
        rapidjson::Document doc;
        doc.Parse(r.body.c_str());
        int64_t portal = doc[0]["portalId"].GetInt64();
        {
          std::lock_guard lock(mutex);
          peak[portal] = std::max(peak[portal], ++in_flight[portal]);
        }
        // The scenario: a receiver that takes a while, so deliveries overlap.
        std::this_thread::sleep_for(20ms);
        std::lock_guard lock(mutex);
        --in_flight[portal];
        return 204;
      },
      32);
  auto a = sim.tenant(7101, receiver.url());
  auto b = sim.tenant(7102, receiver.url());
  ASSERT_EQ(sim.control("POST", "/_sim/webhooks/pause").status, 200);
  for (const auto* t : {&a, &b}) {
    std::string body = "{\"inputs\":[";
    for (int i = 0; i < 40; ++i) {
      body +=
          (i ? "," : "") + std::string(R"({"properties":{"name":"n)") + std::to_string(i) + "\"}}";
    }
    ASSERT_EQ(sim.post("/crm/v3/objects/companies/batch/create", t->token, body + "]}").status,
              201);
  }
  ASSERT_EQ(sim.control("POST", "/_sim/webhooks/resume").status, 200);
  sim.flush_webhooks();
  EXPECT_EQ(receiver.event_count(), 160u);  // creation + name change per company
  std::lock_guard lock(mutex);
  EXPECT_EQ(peak[7101], 10);
  EXPECT_EQ(peak[7102], 10);
  EXPECT_GT(receiver.peak_in_flight(), 10);  // the two portals overlap
}

}  // namespace
}  // namespace hbsync::sim_hubspot::contract
