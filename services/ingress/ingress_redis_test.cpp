// hbsync-ingress against a Redis that hangs (SIGSTOP) or loses its data:
// health never waits on Redis, webhooks that cannot be decided get 503
// quickly, and nothing is acknowledged while the tenant data is lost.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>

#include "hbsync/http/client.hpp"
#include "hbsync/redis/redis.hpp"
#include "hbsync/tenant/keys.hpp"
#include "hbsync/testing/dev_broker.hpp"
#include "hbsync/testing/process.hpp"
#include "hbsync/testing/redis_server.hpp"
#include "hbsync/webhook/signature.hpp"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
namespace ht = hbsync::testing;
constexpr const char* kSecret = "ingress-redis-test-secret";
constexpr int64_t kTenant = 62515;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string event(int64_t portal, int64_t object) {
  return R"([{"eventId":1,"subscriptionId":2,"portalId":)" + std::to_string(portal) +
         R"(,"appId":3,"occurredAt":1700000000000,"subscriptionType":"deal.creation",)"
         R"("attemptNumber":0,"objectId":)" +
         std::to_string(object) + R"(,"changeSource":"CRM_UI"}])";
}

struct Timed {
  int status = 0;
  std::chrono::milliseconds took{0};
  std::string body;
};

class IngressRedisTest : public ::testing::Test {
 protected:
  void SetUp() override {
    redis_ = std::make_unique<ht::RedisServer>();
    broker_ = std::make_unique<ht::DevBroker>(1, 3);
    port_ = ht::free_port();
    base_ = "http://127.0.0.1:" + std::to_string(port_);
    log_ = ::testing::TempDir() + "ingress-redis-" + std::to_string(port_) + ".log";
    client_ = std::make_unique<hbsync::redis::Client>(hbsync::redis::Options{.url = redis_->url()});
    apply_tenant("first");
    spawn();
  }

  void spawn() {
    process_ = ht::Process({ht::bin_path("hbsync-ingress")},
                           {{"HBSYNC_HTTP_ADDRESS", "127.0.0.1"},
                            {"HBSYNC_HTTP_PORT", std::to_string(port_)},
                            {"HBSYNC_REDIS_URL", redis_->url()},
                            {"HBSYNC_KAFKA_BROKERS", broker_->bootstrap()},
                            {"HBSYNC_KAFKA_DELIVERY_TIMEOUT", "3s"},
                            {"HBSYNC_HUBSPOT_CLIENT_SECRET", kSecret},
                            {"HBSYNC_INGRESS_PUBLIC_BASE_URL", "https://hooks.example.com"},
                            {"HBSYNC_READY_INTERVAL", "200ms"}},
                           log_);
    ASSERT_TRUE(ht::wait_until([&] { return get("/readyz").status == 200; }, 30s))
        << read_file(log_);
  }

  void TearDown() override {
    redis_->resume();
    process_.signal(SIGTERM);
    EXPECT_EQ(process_.wait(10s), 0) << read_file(log_);
    if (HasFailure()) std::cerr << read_file(log_);
  }

  // What `hbsync-ctl tenant apply` leaves in Redis for the test's purpose:
  // the tenant in the tenants set and the instance marker.
  void apply_tenant(const std::string& marker) {
    client_->command({"SET", hbsync::tenant::keys::kInstance, marker, "NX"});
    client_->command({"SADD", hbsync::tenant::keys::kTenants, std::to_string(kTenant)});
  }

  Timed get(const std::string& path, std::chrono::milliseconds timeout = 5s) {
    hbsync::http::ClientRequest r;
    r.url = base_ + path;
    r.timeout = timeout;
    return timed(r);
  }

  Timed post(int64_t portal, int64_t object) {
    const std::string body = event(portal, object);
    const auto ts = hbsync::webhook::unix_millis();
    hbsync::http::ClientRequest r;
    r.method = "POST";
    r.url = base_ + "/webhooks/hubspot";
    r.body = body;
    r.timeout = 10s;
    r.headers.set("Content-Type", "application/json");
    r.headers.set("X-HubSpot-Request-Timestamp", std::to_string(ts));
    r.headers.set("X-HubSpot-Signature-v3",
                  hbsync::webhook::sign_v3(kSecret, "POST",
                                           "https://hooks.example.com/webhooks/hubspot", body, ts));
    return timed(r);
  }

  Timed timed(const hbsync::http::ClientRequest& r) {
    thread_local hbsync::http::Client client;
    const auto started = Clock::now();
    auto res = client.send(r);
    Timed t;
    t.took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
    if (res.ok()) {
      t.status = res.response.status;
      t.body = res.response.body;
    }
    return t;
  }

  std::unique_ptr<ht::RedisServer> redis_;
  std::unique_ptr<ht::DevBroker> broker_;
  std::unique_ptr<hbsync::redis::Client> client_;
  uint16_t port_ = 0;
  std::string base_;
  std::string log_;
  ht::Process process_;
};

// Redis hung (SIGSTOP) for 15 s under 16 senders of unknown portals: /healthz
// answers within 100 ms throughout, the unknown portals get 503 within 1 s,
// the known tenant's webhooks still get 204.
TEST_F(IngressRedisTest, HungRedisNeverHoldsHealthOrKnownTenants) {
  ASSERT_EQ(post(kTenant, 1).status, 204);  // the tenant is in memory
  ASSERT_EQ(get("/healthz").status, 200);   // this thread's connection is open
  // Every sender has its client and connection before the hang starts: the
  // clients' set-up is not what is measured.
  std::atomic<int> warm{0};
  std::atomic<bool> go{false};
  Clock::time_point until;
  std::mutex mu;
  std::vector<Timed> strangers;
  std::vector<Timed> known;
  std::atomic<int64_t> next_portal{900000};
  std::vector<std::thread> senders;
  auto warm_up = [&] {
    post(kTenant, 2);
    ++warm;
    while (!go) std::this_thread::yield();
  };
  for (int i = 0; i < 16; ++i) {
    senders.emplace_back([&] {
      warm_up();
      while (Clock::now() < until) {
        Timed t = post(next_portal++, 1);
        std::lock_guard lock(mu);
        strangers.push_back(t);
      }
    });
  }
  senders.emplace_back([&] {
    warm_up();
    for (int64_t object = 100; Clock::now() < until; ++object) {
      Timed t = post(kTenant, object);
      std::lock_guard lock(mu);
      known.push_back(t);
    }
  });
  ASSERT_TRUE(ht::wait_until([&] { return warm == 17; }, 30s));
  redis_->pause();
  until = Clock::now() + 15s;
  go = true;
  std::vector<Timed> health;
  while (Clock::now() < until) {
    health.push_back(get("/healthz", 2s));
    std::this_thread::sleep_for(10ms);  // sampling pace, not a wait for a condition
  }
  for (auto& t : senders) t.join();
  redis_->resume();

  auto slowest = [](const std::vector<Timed>& v) {
    return std::max_element(v.begin(), v.end(),
                            [](const Timed& a, const Timed& b) { return a.took < b.took; })
        ->took.count();
  };
  ASSERT_FALSE(health.empty());
  ASSERT_FALSE(strangers.empty());
  ASSERT_FALSE(known.empty());
  auto over = [](const std::vector<Timed>& v, std::chrono::milliseconds limit) {
    return std::count_if(v.begin(), v.end(), [limit](const Timed& t) { return t.took >= limit; });
  };
  std::cout << "redis hung 15s: healthz=" << health.size() << " max_ms=" << slowest(health)
            << " over_100ms=" << over(health, 100ms) << " over_50ms=" << over(health, 50ms)
            << " unknown=" << strangers.size() << " max_ms=" << slowest(strangers)
            << " known=" << known.size() << " max_ms=" << slowest(known) << "\n";
  for (size_t i = 0; i < health.size(); ++i) {
    EXPECT_EQ(health[i].status, 200);
    EXPECT_LT(health[i].took, 100ms) << "probe " << i << " of " << health.size();
  }
  for (const auto& t : strangers) {
    EXPECT_EQ(t.status, 503) << t.body;
    EXPECT_LT(t.took, 1s);
  }
  for (const auto& t : known) {
    EXPECT_EQ(t.status, 204) << t.body;
    EXPECT_LT(t.took, 1s);
  }
  // Redis back: strangers are answered (and remembered), tenants flow.
  EXPECT_TRUE(ht::wait_until([&] { return post(123, 1).status == 204; }, 10s));
  EXPECT_EQ(post(kTenant, 5000).status, 204);
}

// Redis restarted without its data: ingress goes not ready with the reason,
// raises hbsync_redis_state_lost and acknowledges nothing, not even a known
// tenant's webhook, until the tenants are applied again.
TEST_F(IngressRedisTest, WipedRedisStopsAcknowledgingUntilTenantsAreReapplied) {
  ASSERT_EQ(post(kTenant, 1).status, 204);
  redis_->wipe();
  Timed ready;
  ASSERT_TRUE(ht::wait_until(
      [&] {
        ready = get("/readyz");
        return ready.status == 503 && ready.body.find("redis state lost") != std::string::npos;
      },
      10s))
      << ready.body;
  EXPECT_EQ(post(kTenant, 2).status, 503);
  EXPECT_EQ(post(555, 2).status, 503);
  EXPECT_NE(get("/metrics").body.find("hbsync_redis_state_lost 1"), std::string::npos);
  EXPECT_NE(read_file(log_).find("redis state lost"), std::string::npos);

  apply_tenant("second");  // the documented recovery
  ASSERT_TRUE(ht::wait_until([&] { return get("/readyz").status == 200; }, 10s));
  EXPECT_EQ(post(kTenant, 3).status, 204);
  EXPECT_NE(get("/metrics").body.find("hbsync_redis_state_lost 0"), std::string::npos);
}

// An ingress started on a Redis without any tenant data (a fresh install,
// or one that lost its data before this ingress ever saw it) is ready, but
// does not acknowledge an unknown portal: it may be a tenant Redis lost.
TEST_F(IngressRedisTest, UnknownPortalWithoutTenantDataIsRetriedNotDropped) {
  process_.signal(SIGTERM);
  ASSERT_EQ(process_.wait(10s), 0) << read_file(log_);
  client_->command({"DEL", hbsync::tenant::keys::kInstance, hbsync::tenant::keys::kTenants});
  spawn();
  ASSERT_TRUE(ht::wait_until([&] { return get("/readyz").status == 200; }, 30s)) << read_file(log_);
  EXPECT_EQ(post(4242, 1).status, 503);
  apply_tenant("first");  // a tenant applied: strangers are strangers now
  EXPECT_TRUE(ht::wait_until([&] { return post(4243, 1).status == 204; }, 10s));
}

}  // namespace
