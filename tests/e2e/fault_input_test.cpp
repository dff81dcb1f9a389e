// Fault suite: hostile webhook bodies, validly signed with the app's secret,
// sent to ingress in the middle of real traffic (issue 8, A2 and A3):
// 150,000 nested arrays (300 KB, under the size limit; used to kill ingress
// with a stack overflow) and events whose strings are not UTF-8 (used to be
// acknowledged, published, then dropped by the mapper). Each must get 400
// with nothing published; ingress stays up and every real deal lands once.
// Prints `sent=<deals> applied=<deals with a project> duplicated=<extra
// projects or clients> lost=<deals without project>`.
#include <gtest/gtest.h>

#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "harness.hpp"
#include "hbsync/http/client.hpp"
#include "hbsync/webhook/signature.hpp"

namespace hbsync::e2e {
namespace {

using namespace std::chrono_literals;

std::string event_json(int64_t portal, int64_t object, const std::string& change_source) {
  return R"({"eventId":1,"subscriptionId":2,"portalId":)" + std::to_string(portal) +
         R"(,"appId":3,"occurredAt":1700000000000,"subscriptionType":"deal.creation",)"
         R"("attemptNumber":0,"objectId":)" +
         std::to_string(object) + R"(,"changeSource":")" + change_source + R"("})";
}

std::vector<std::pair<std::string, std::string>> hostile_bodies(int64_t portal) {
  return {
      {"deep arrays", std::string(150'000, '[') + std::string(150'000, ']')},
      {"deep inside an event",
       "[" +
           event_json(portal, 1, "CRM_UI")
               .insert(1, R"("x":)" + std::string(100'000, '[') + std::string(100'000, ']') + ",") +
           "]"},
      {"invalid UTF-8", "[" + event_json(portal, 2, "\xff\xfe") + "]"},
      {"lone surrogate escape", "[" + event_json(portal, 3, "\\udc00") + "]"},
  };
}

int post_signed(Stack& s, http::Client& client, const std::string& body) {
  const std::string url =
      "http://127.0.0.1:" + std::to_string(s.port("ingress")) + "/webhooks/hubspot";
  const int64_t ts = webhook::unix_millis();
  http::ClientRequest r;
  r.method = "POST";
  r.url = url;
  r.body = body;
  r.timeout = 10s;
  r.headers.set("Content-Type", "application/json");
  r.headers.set("X-HubSpot-Request-Timestamp", std::to_string(ts));
  r.headers.set("X-HubSpot-Signature-v3", webhook::sign_v3(kAppSecret, "POST", url, body, ts));
  auto res = client.send(r);
  return res.ok() ? res.response.status : 0;
}

TEST(FaultInput, DeepJsonAndInvalidUtf8AreRefusedAndEveryRealDealLandsOnce) {
  Stack s;
  struct Finish {
    Stack& s;
    ~Finish() { s.finish_test(); }
  } finish{s};
  auto t = s.provision();
  http::Client client;
  const auto hostile = hostile_bodies(t.portal_id);

  constexpr int kDeals = 12;
  std::vector<std::string> deals;
  std::vector<std::string> companies;
  int hostile_sent = 0;
  int refused = 0;
  for (int i = 0; i < kDeals; ++i) {
    const std::string name = "敵対入力テスト商事" + std::to_string(i);
    const auto company = s.create_company(t, {.name = name});
    companies.push_back(name);
    deals.push_back(s.create_deal(t, {.name = "案件" + std::to_string(i), .stage = stage::won},
                                  {{.company_id = company, .primary = true}}));
    const auto& [what, body] = hostile[static_cast<size_t>(i) % hostile.size()];
    const int status = post_signed(s, client, body);
    ++hostile_sent;
    if (status == 400) ++refused;
    EXPECT_EQ(status, 400) << what;
    EXPECT_TRUE(s.running("ingress")) << "ingress died on: " << what;
  }

  std::map<std::string, int> projects;
  wait_for(
      "a project for every deal",
      [&] {
        projects.clear();
        for (const auto& p : s.board_projects(t)) ++projects[p.management_no];
        for (const auto& d : deals) {
          if (!projects.count("HS-" + d)) return false;
        }
        return true;
      },
      180s);
  ASSERT_TRUE(s.wait_idle(120s));

  int64_t applied = 0, lost = 0, duplicated = 0;
  projects.clear();
  for (const auto& p : s.board_projects(t)) ++projects[p.management_no];
  for (const auto& d : deals) {
    const int n = projects.count("HS-" + d) ? projects["HS-" + d] : 0;
    if (n == 0) ++lost;
    if (n > 0) ++applied;
    if (n > 1) duplicated += n - 1;
  }
  duplicated += static_cast<int64_t>(projects.size()) - applied;  // projects of no deal of ours
  std::map<std::string, int> clients;
  for (const auto& c : s.board_clients(t)) ++clients[c.name];
  for (const auto& [name, n] : clients) duplicated += n - 1;

  std::cout << "\n==== fault hostile input: sent=" << deals.size() << " applied=" << applied
            << " duplicated=" << duplicated << " lost=" << lost << " (hostile requests "
            << hostile_sent << ", refused with 400: " << refused << ")\n"
            << std::endl;
  EXPECT_EQ(refused, hostile_sent);
  EXPECT_EQ(lost, 0);
  EXPECT_EQ(duplicated, 0);
  // Nothing unreadable reached the pipeline: the mapper would have
  // dead-lettered it (unreadable_event), and nothing else failed either.
  EXPECT_EQ(s.topic_size("sync.dlq").value_or(-1), 0);
  EXPECT_EQ(s.metrics("mapper").find("hbsync_unreadable_messages_total{"), std::string::npos);
  const std::string ingress_metrics = s.metrics("ingress");
  EXPECT_NE(ingress_metrics.find("reason=\"json_too_deep\""), std::string::npos);
  EXPECT_NE(ingress_metrics.find("reason=\"json_encoding\""), std::string::npos);
}

}  // namespace
}  // namespace hbsync::e2e
