#include "delivery.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <atomic>
#include <thread>

#include "hbsync/testing/wait.hpp"
#include "hbsync/webhook/signature.hpp"

namespace hbsync::sim_hubspot {
namespace {

using namespace std::chrono_literals;

bool wait_idle(const Delivery& d, std::chrono::milliseconds timeout = 10s) {
  return hbsync::testing::wait_until([&] { return d.idle(); }, timeout, 2ms);
}

std::vector<WebhookEvent> events(int n, int64_t first_id = 1) {
  std::vector<WebhookEvent> out;
  for (int i = 0; i < n; ++i) {
    WebhookEvent e;
    e.event_id = first_id + i;
    e.portal_id = 42;
    e.app_id = 7;
    e.subscription_type = "deal.creation";
    e.change.kind = Change::Kind::creation;
    e.change.object_id = 100 + i;
    out.push_back(e);
  }
  return out;
}

DeliveryTarget target(int concurrency = 10) {
  return DeliveryTarget{42, 7, "https://hooks.example/hubspot?x=1", "secret", concurrency};
}

Delivery::Options options() {
  Delivery::Options o;
  o.backoff = {60s, 120s, 300s, 600s, 1800s, 3600s, 7200s, 14400s, 28800s};
  o.threads = 16;
  return o;
}

struct Recorder {
  std::mutex mutex;
  std::vector<std::string> bodies;
  std::vector<http::Headers> headers;
  void add(const Delivery::Request& r) {
    std::lock_guard lock(mutex);
    bodies.push_back(r.body);
    headers.push_back(r.headers);
  }
};

TEST(Delivery, SendsBatchesOfAtMostTheBatchSize) {
  simkit::TimeScale scale(0.00001);
  Recorder recorder;
  Delivery d(options(), scale, [&](const Delivery::Request& r) {
    recorder.add(r);
    return Delivery::Outcome{204, ""};
  });
  d.set_paused(true);
  d.enqueue(target(), events(250));
  EXPECT_FALSE(d.idle());
  d.set_paused(false);
  ASSERT_TRUE(wait_idle(d));
  std::vector<size_t> sizes;
  for (const std::string& body : recorder.bodies) {
    rapidjson::Document doc;
    doc.Parse(body.c_str());
    ASSERT_TRUE(doc.IsArray());
    sizes.push_back(doc.Size());
  }
  std::sort(sizes.begin(), sizes.end());
  EXPECT_EQ(sizes, (std::vector<size_t>{50, 100, 100}));
  auto c = d.counts();
  EXPECT_EQ(c.batches_delivered, 3);
  EXPECT_EQ(c.events_delivered, 250);
  EXPECT_EQ(c.events_pending, 0);
}

TEST(Delivery, SignsEveryAttemptWithV3AndV1) {
  simkit::TimeScale scale(0.00001);
  Recorder recorder;
  Delivery d(options(), scale, [&](const Delivery::Request& r) {
    recorder.add(r);
    return Delivery::Outcome{200, ""};
  });
  d.enqueue(target(), events(3));
  ASSERT_TRUE(wait_idle(d));
  ASSERT_EQ(recorder.bodies.size(), 1u);
  const http::Headers& h = recorder.headers[0];
  EXPECT_EQ(webhook::verify_v3(
                "secret", "POST", "https://hooks.example/hubspot?x=1", recorder.bodies[0],
                std::string(h.get("X-HubSpot-Request-Timestamp").value_or("")),
                std::string(h.get("X-HubSpot-Signature-v3").value_or("")), webhook::unix_millis()),
            webhook::Verdict::ok);
  EXPECT_EQ(h.get("X-HubSpot-Signature").value_or(""),
            webhook::sign_v1("secret", recorder.bodies[0]));
  EXPECT_EQ(h.get("X-HubSpot-Signature-Version").value_or(""), "v1");
  EXPECT_EQ(h.get("Content-Type").value_or(""), "application/json");
}

TEST(Delivery, RetriesWithRisingAttemptNumberThenGivesUp) {
  simkit::TimeScale scale(0.00001);
  Recorder recorder;
  Delivery d(options(), scale, [&](const Delivery::Request& r) {
    recorder.add(r);
    return Delivery::Outcome{500, ""};
  });
  d.enqueue(target(), events(1));
  ASSERT_TRUE(wait_idle(d));
  ASSERT_EQ(recorder.bodies.size(), 10u);
  for (size_t i = 0; i < recorder.bodies.size(); ++i) {
    rapidjson::Document doc;
    doc.Parse(recorder.bodies[i].c_str());
    EXPECT_EQ(doc[0]["attemptNumber"].GetInt(), static_cast<int>(i));
    EXPECT_EQ(doc[0]["eventId"].GetInt64(), 1);
  }
  auto c = d.counts();
  EXPECT_EQ(c.batches_given_up, 1);
  EXPECT_EQ(c.events_given_up, 1);
  EXPECT_EQ(c.attempts, 10);
  EXPECT_EQ(c.failed_attempts, 10);
}

TEST(Delivery, RecoversWhenTheReceiverComesBack) {
  simkit::TimeScale scale(0.00001);
  std::atomic<int> calls{0};
  Delivery d(options(), scale, [&](const Delivery::Request&) {
    return ++calls <= 3 ? Delivery::Outcome{0, "connect"} : Delivery::Outcome{200, ""};
  });
  d.enqueue(target(), events(1));
  ASSERT_TRUE(wait_idle(d));
  EXPECT_EQ(calls.load(), 4);
  EXPECT_EQ(d.counts().batches_delivered, 1);
}

TEST(Delivery, NeverExceedsTheConcurrencyPerPortal) {
  simkit::TimeScale scale(0.00001);
  std::atomic<int> in_flight{0};
  std::atomic<int> peak{0};
  Delivery::Options o = options();
  o.batch_size = 1;
  o.threads = 32;
  Delivery d(o, scale, [&](const Delivery::Request&) {
    int now = ++in_flight;
    int seen = peak.load();
    while (now > seen && !peak.compare_exchange_weak(seen, now)) {
    }
    std::this_thread::sleep_for(5ms);  // the scenario: a slow receiver, so attempts overlap
    --in_flight;
    return Delivery::Outcome{200, ""};
  });
  d.enqueue(target(10), events(200));
  ASSERT_TRUE(wait_idle(d));
  EXPECT_EQ(peak.load(), 10);
}

TEST(Delivery, DuplicateSwitchSendsEachBatchTwice) {
  simkit::TimeScale scale(0.00001);
  Recorder recorder;
  Delivery d(options(), scale, [&](const Delivery::Request& r) {
    recorder.add(r);
    return Delivery::Outcome{200, ""};
  });
  d.set_duplicate(1.0);
  d.enqueue(target(), events(5));
  ASSERT_TRUE(wait_idle(d));
  ASSERT_EQ(recorder.bodies.size(), 2u);
  EXPECT_EQ(recorder.bodies[0], recorder.bodies[1]);
  EXPECT_EQ(d.counts().duplicates, 1);
}

TEST(Delivery, ResetDropsPendingWork) {
  simkit::TimeScale scale(1.0);
  Delivery d(options(), scale, [&](const Delivery::Request&) {
    return Delivery::Outcome{500, ""};
  });
  d.enqueue(target(), events(1));
  // The first attempt fails; its retry waits ~1 minute.
  ASSERT_TRUE(
      hbsync::testing::wait_until([&] { return d.counts().failed_attempts >= 1; }, 5s, 2ms));
  EXPECT_FALSE(d.idle());
  d.reset();
  EXPECT_TRUE(d.idle());
  EXPECT_EQ(d.counts().attempts, 0);
}

}  // namespace
}  // namespace hbsync::sim_hubspot
