// Redis faults end to end (issue 8, B8 and A4), with real processes (the
// Stack of harness.hpp):
//
//  1. Redis wiped mid-burst (restarted without its data: tenants,
//     credentials, links and claims gone): every service goes not ready
//     (hbsync_redis_state_lost 1), nothing is acknowledged or committed;
//     the tenant is applied again as docs/operations.md says (`hbsync-ctl
//     tenant apply`), the services resume, and every deal is synced exactly
//     once;
//  2. Redis hung (SIGSTOP) for 15 s mid-burst: /healthz of every service
//     answers within 100 ms throughout; afterwards every deal is synced
//     exactly once.
//
// Each test prints `sent=<deals> applied=<deals with a project> duplicated=
// <extra projects or clients> lost=<deals without project>`.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "harness.hpp"
#include "hbsync/tenant/crypto.hpp"
#include "hbsync/tenant/store.hpp"
#include "hbsync/webhook/signature.hpp"

namespace hbsync::e2e {
namespace {

using Clock = std::chrono::steady_clock;
const std::vector<std::string> kServices = {"ingress", "mapper", "writer"};

struct Finish {
  Stack& s;
  ~Finish() { s.finish_test(); }
};

// Quick redelivery, so the recovery is seen within seconds.
StackOptions options() {
  StackOptions o;
  o.service_env["HBSYNC_READY_INTERVAL"] = "250ms";
  o.service_env["HBSYNC_KAFKA_SESSION_TIMEOUT"] = "3s";
  o.service_env["HBSYNC_KAFKA_RETRY_MAX_DELAY"] = "2s";
  o.env_by_service["writer"]["HBSYNC_WRITER_CLAIM_TTL"] = "3s";
  return o;
}

// One tenant's deals, created through HubSpot's CRM API on a thread, one
// every `pause`, each with its primary company.
class Burst {
 public:
  Burst(Stack& s, const Tenant& t, int companies, int deals, std::chrono::milliseconds pause)
      : thread_([this, &s, t, companies, deals, pause] {
          try {
            std::vector<std::string> company_ids;
            for (int c = 0; c < companies; ++c) {
              company_ids.push_back(
                  s.create_company(t, {.name = "株式会社レディス" + std::to_string(c) + "商事"}));
            }
            for (int d = 0; d < deals; ++d) {
              auto id = s.create_deal(
                  t, {.name = "レディス案件 D" + std::to_string(d), .stage = stage::contract},
                  {{.company_id = company_ids[static_cast<size_t>(d % companies)],
                    .primary = true}});
              {
                std::lock_guard lock(mutex_);
                deal_ids_.push_back(id);
              }
              ++created_;
              std::this_thread::sleep_for(pause);  // burst pacing (the scenario)
            }
          } catch (const std::exception& e) {
            std::lock_guard lock(mutex_);
            error_ = e.what();
          }
        }) {}
  ~Burst() { join(); }
  int created() const { return created_; }
  void join() {
    if (thread_.joinable()) thread_.join();
  }
  std::vector<std::string> deal_ids() {
    std::lock_guard lock(mutex_);
    return deal_ids_;
  }
  std::string error() {
    std::lock_guard lock(mutex_);
    return error_;
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> deal_ids_;
  std::string error_;
  std::atomic<int> created_{0};
  std::thread thread_;  // last: starts after every member above exists
};

struct Tally {
  int64_t sent = 0, applied = 0, duplicated = 0, lost = 0;
  std::string problems;
  std::string line() const {
    return "sent=" + std::to_string(sent) + " applied=" + std::to_string(applied) +
           " duplicated=" + std::to_string(duplicated) + " lost=" + std::to_string(lost);
  }
};

// Exactly once, counted on board's own records: one project HS-<deal id> per
// deal, one client per company.
Tally tally(Stack& s, const Tenant& t, const std::vector<std::string>& deal_ids, int companies) {
  Tally out;
  std::map<std::string, int> projects;
  for (const auto& p : s.board_projects(t)) ++projects[p.management_no];
  for (const auto& id : deal_ids) {
    ++out.sent;
    const int n = projects.count("HS-" + id) ? projects["HS-" + id] : 0;
    if (n == 0) {
      ++out.lost;
      out.problems += "no project for deal " + id + "\n";
    } else {
      ++out.applied;
    }
    if (n > 1) {
      out.duplicated += n - 1;
      out.problems += std::to_string(n) + " projects for deal " + id + "\n";
    }
  }
  const auto clients = s.board_clients(t);
  if (static_cast<int>(clients.size()) > companies) {
    out.duplicated += static_cast<int64_t>(clients.size()) - companies;
    out.problems += std::to_string(clients.size()) + " clients for " + std::to_string(companies) +
                    " companies\n";
  }
  return out;
}

// The tenant.json an operator keeps (secrets included), as read back.
std::string save_tenant_json(Stack& s, const Tenant& t) {
  auto keyring = tenant::Keyring::parse(s.encryption_keys());
  tenant::Store store(s.redis(), keyring);
  auto settings = store.get(t.id);
  if (!settings) throw std::runtime_error("no tenant " + t.id);
  const std::string path = s.dir() + "/tenant-" + t.id + ".json";
  std::ofstream(path) << tenant::to_json(*settings, tenant::Redaction::include);
  return path;
}

std::string readyz(const std::string& service, Stack& s) {
  http::Client client;
  http::ClientRequest r;
  r.url = "http://127.0.0.1:" + std::to_string(s.port(service)) + "/readyz";
  r.timeout = 2s;
  auto res = client.send(r);
  return res.ok() ? std::to_string(res.response.status) + " " + res.response.body : "no answer";
}

bool every_service(Stack& s, const std::function<bool(const std::string&, int)>& check) {
  for (const auto& name : kServices) {
    for (int i = 0; i < s.replicas(name); ++i) {
      if (!check(name, i)) return false;
    }
  }
  return true;
}

TEST(RedisLoss, WipedMidBurstNothingAcknowledgedIsLostAfterTheDocumentedRecovery) {
  Stack s(options());
  Finish finish{s};
  const Tenant t = s.provision();
  const std::string tenant_json = save_tenant_json(s, t);
  constexpr int kCompanies = 4, kDeals = 40;
  Burst burst(s, t, kCompanies, kDeals, 150ms);
  ASSERT_TRUE(wait_for(
      "a third of the deals created", [&] { return burst.created() >= 13; }, 60s));

  s.redis_server().wipe();
  // Every service notices: not ready, with the reason, and the alert metric.
  ASSERT_TRUE(wait_for(
      "every service not ready with redis state lost",
      [&] {
        return every_service(s, [&](const std::string& name, int i) {
          return s.metrics(name, i).find("hbsync_redis_state_lost 1") != std::string::npos &&
                 !s.ready(name, i);
        });
      },
      20s,
      [&] { return "ingress: " + readyz("ingress", s) + "; writer: " + readyz("writer", s); }));
  EXPECT_NE(readyz("mapper", s).find("redis state lost"), std::string::npos);
  // The burst goes on meanwhile: HubSpot's webhooks get 503 and are retried.
  ASSERT_TRUE(wait_for(
      "more deals created while Redis is empty", [&] { return burst.created() >= 20; }, 60s));

  // The documented recovery: apply the tenants again.
  auto applied = s.ctl({"tenant", "apply", "-f", tenant_json});
  ASSERT_EQ(applied.exit_code, 0) << applied.output;
  ASSERT_TRUE(wait_for(
      "every service ready again",
      [&] { return every_service(s, [&](auto& n, int i) { return s.ready(n, i); }); }, 30s));
  burst.join();
  ASSERT_EQ(burst.error(), "");
  ASSERT_TRUE(s.wait_idle(180s));

  const auto deals = burst.deal_ids();
  ASSERT_EQ(deals.size(), static_cast<size_t>(kDeals));
  Tally tl = tally(s, t, deals, kCompanies);
  std::cout << "redis wiped mid-burst: " << tl.line() << "\n" << tl.problems;
  EXPECT_EQ(tl.lost, 0) << tl.problems;
  EXPECT_EQ(tl.duplicated, 0) << tl.problems;
  EXPECT_EQ(s.topic_size("sync.dlq").value_or(-1), 0) << "nothing dead-lettered";
  for (int i = 0; i < s.replicas("writer"); ++i) {
    EXPECT_EQ(s.metrics("writer", i).find("result=\"unknown_tenant\""), std::string::npos);
  }
}

// Signed webhooks of portals that are no tenant, one after the other until
// `until`, as a stranger (or an attacker with the app's secret) would send
// them; every answer's status and time.
struct StrangerFlood {
  std::mutex mutex;
  std::vector<std::pair<int, int64_t>> answers;  // status, ms
  std::vector<std::thread> threads;
  std::atomic<int64_t> next_portal{880000000};

  StrangerFlood(Stack& s, int senders, Clock::time_point until) {
    const std::string url =
        "http://127.0.0.1:" + std::to_string(s.port("ingress")) + "/webhooks/hubspot";
    for (int i = 0; i < senders; ++i) {
      threads.emplace_back([this, url, until] {
        http::Client client;
        while (Clock::now() < until) {
          const std::string body =
              R"([{"eventId":1,"subscriptionId":2,"portalId":)" + std::to_string(next_portal++) +
              R"(,"appId":3,"occurredAt":1700000000000,"subscriptionType":"deal.creation",)"
              R"("attemptNumber":0,"objectId":1,"changeSource":"CRM_UI"}])";
          const auto ts = webhook::unix_millis();
          http::ClientRequest r{.method = "POST", .url = url, .body = body};
          r.timeout = 10s;
          r.headers.set("Content-Type", "application/json");
          r.headers.set("X-HubSpot-Request-Timestamp", std::to_string(ts));
          r.headers.set("X-HubSpot-Signature-v3",
                        webhook::sign_v3(kAppSecret, "POST", url, body, ts));
          const auto started = Clock::now();
          auto res = client.send(r);
          const auto ms =
              std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
          std::lock_guard lock(mutex);
          answers.emplace_back(res.ok() ? res.response.status : 0, ms);
        }
      });
    }
  }
  ~StrangerFlood() { join(); }
  void join() {
    for (auto& t : threads) {
      if (t.joinable()) t.join();
    }
  }
};

TEST(RedisLoss, HungFifteenSecondsHealthAnswersAndNothingIsLost) {
  Stack s(options());
  Finish finish{s};
  const Tenant t = s.provision();
  constexpr int kCompanies = 4, kDeals = 40;
  Burst burst(s, t, kCompanies, kDeals, 150ms);
  ASSERT_TRUE(wait_for(
      "a quarter of the deals created", [&] { return burst.created() >= 10; }, 60s));

  std::map<std::string, int64_t> slowest;  // service -> max /healthz latency in ms
  int64_t probes = 0, failures = 0;
  s.redis_server().pause();
  const auto until = Clock::now() + 15s;
  StrangerFlood flood(s, 8, until);
  http::Client client;
  while (Clock::now() < until) {
    every_service(s, [&](const std::string& name, int i) {
      http::ClientRequest r;
      r.url = "http://127.0.0.1:" + std::to_string(s.port(name, i)) + "/healthz";
      r.timeout = 2s;
      const auto started = Clock::now();
      auto res = client.send(r);
      const auto ms =
          std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
      ++probes;
      if (!res.ok() || res.response.status != 200) ++failures;
      auto& m = slowest[name + "/" + std::to_string(i)];
      m = std::max(m, static_cast<int64_t>(ms));
      return true;
    });
    std::this_thread::sleep_for(50ms);  // probe pacing, not a wait for a condition
  }
  flood.join();
  s.redis_server().resume();

  int64_t flood_slowest = 0, flood_not_503 = 0;
  for (const auto& [status, ms] : flood.answers) {
    flood_slowest = std::max(flood_slowest, ms);
    if (status != 503) ++flood_not_503;
  }
  std::cout << "redis hung 15s: unknown-portal webhooks=" << flood.answers.size()
            << " not_503=" << flood_not_503 << " max_ms=" << flood_slowest << "\n";
  EXPECT_EQ(flood_not_503, 0);
  EXPECT_LT(flood_slowest, 1000);
  std::string latencies;
  for (const auto& [name, ms] : slowest) latencies += " " + name + "=" + std::to_string(ms) + "ms";
  std::cout << "redis hung 15s: healthz probes=" << probes << " failed=" << failures
            << " max:" << latencies << "\n";
  EXPECT_EQ(failures, 0);
  for (const auto& [name, ms] : slowest) EXPECT_LT(ms, 100) << name;

  burst.join();
  ASSERT_EQ(burst.error(), "");
  ASSERT_TRUE(s.wait_idle(180s));
  const auto deals = burst.deal_ids();
  ASSERT_EQ(deals.size(), static_cast<size_t>(kDeals));
  Tally tl = tally(s, t, deals, kCompanies);
  std::cout << "redis hung 15s mid-burst: " << tl.line() << "\n" << tl.problems;
  EXPECT_EQ(tl.lost, 0) << tl.problems;
  EXPECT_EQ(tl.duplicated, 0) << tl.problems;
}

}  // namespace
}  // namespace hbsync::e2e
