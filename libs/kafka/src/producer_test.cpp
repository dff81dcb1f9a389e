// Producer against a dev broker: a batch round trip through a consumer
// group, and delivery reports while every broker is down.
#include "hbsync/kafka/producer.hpp"

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <future>
#include <map>
#include <mutex>
#include <set>
#include <sstream>

#include "hbsync/kafka/options.hpp"
#include "hbsync/log/log.hpp"
#include "hbsync/metrics/metrics.hpp"
#include "hbsync/testing/kafka_lag.hpp"
#include "hbsync/testing/metrics.hpp"
#include "hbsync/testing/process.hpp"
#include "test_support.hpp"

namespace hbsync::kafka {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TEST(ProducerTest, BatchRoundTripKeepsHeadersCorrelationAndPerKeyOrder) {
  testing::DevBroker broker(3, 6);
  const std::string topic = "hubspot.events";
  Producer producer(test::producer_options(broker, 10s));
  ASSERT_TRUE(producer.ready(5s));

  std::vector<OutgoingMessage> batch;
  for (int i = 0; i < 100; ++i) {
    OutgoingMessage m;
    m.topic = topic;
    m.key = "deal-" + std::to_string(i % 10);
    m.value = std::to_string(i);
    m.headers = {{"x-test", "h" + std::to_string(i)}};
    m.correlation_id = "corr-" + std::to_string(i);
    batch.push_back(std::move(m));
  }
  std::promise<BatchResult> reported;
  producer.produce_batch(std::move(batch), [&](const BatchResult& r) { reported.set_value(r); });
  auto future = reported.get_future();
  ASSERT_EQ(future.wait_for(15s), std::future_status::ready);
  BatchResult result = future.get();
  ASSERT_TRUE(result.ok) << result.first_error;
  EXPECT_EQ(result.failed, 0u);

  struct Seen {
    std::string key, value, header, correlation_id, scope_correlation_id;
  };
  std::mutex mutex;
  std::vector<Seen> seen;
  test::ConsumerThread consumer(test::consumer_options(broker, "roundtrip", {topic}),
                                [&](const Message& m) {
                                  std::lock_guard lock(mutex);
                                  seen.push_back({std::string(m.key), std::string(m.value),
                                                  std::string(m.header("x-test").value_or("")),
                                                  m.correlation_id, log::current_correlation_id()});
                                  return HandlerResult::done;
                                });
  ASSERT_TRUE(testing::wait_until(
      [&] {
        std::lock_guard lock(mutex);
        return seen.size() >= 100;
      },
      30s));
  // Lag is read from local state on each commit tick (partitions this
  // member has consumed from); all caught up now.
  auto lag_is_zero = [] {
    std::istringstream text(metrics::serialize());
    int series = 0;
    for (std::string line; std::getline(text, line);) {
      if (line.rfind("hbsync_kafka_consumer_lag_messages{", 0) != 0) continue;
      if (line.find("hubspot.events") == std::string::npos) continue;
      ++series;
      if (line.substr(line.size() - 2) != " 0") return false;
    }
    return series > 0;
  };
  EXPECT_TRUE(testing::wait_until(lag_is_zero, 5s)) << metrics::serialize();
  consumer.stop();
  const std::string text = metrics::serialize();
  EXPECT_NE(
      text.find("hbsync_kafka_messages_produced_total{result=\"ok\",topic=\"hubspot.events\"} 100"),
      std::string::npos);
  EXPECT_NE(
      text.find(
          "hbsync_kafka_messages_consumed_total{result=\"done\",topic=\"hubspot.events\"} 100"),
      std::string::npos);
  // One latency observation per acknowledged message, each between 0 and
  // the batch's own wait (15 s above).
  EXPECT_EQ(testing::sample_or_zero(
                text, "hbsync_kafka_produce_latency_seconds_count{topic=\"hubspot.events\"}"),
            100.0)
      << text;
  const double latency_sum = testing::sample_or_zero(
      text, "hbsync_kafka_produce_latency_seconds_sum{topic=\"hubspot.events\"}");
  EXPECT_GT(latency_sum, 0.0);
  EXPECT_LT(latency_sum, 100 * 15.0);
  EXPECT_EQ(testing::sample_or_zero(text,
                                    "hbsync_kafka_produce_latency_seconds_bucket{topic=\"hubspot."
                                    "events\",le=\"+Inf\"}"),
            100.0);

  ASSERT_EQ(seen.size(), 100u);
  std::map<std::string, int> last_per_key;
  std::map<int, int> times;
  for (const auto& s : seen) {
    int i = std::stoi(s.value);
    ++times[i];
    EXPECT_EQ(s.key, "deal-" + std::to_string(i % 10));
    EXPECT_EQ(s.header, "h" + std::to_string(i));
    EXPECT_EQ(s.correlation_id, "corr-" + std::to_string(i));
    EXPECT_EQ(s.scope_correlation_id, s.correlation_id);
    auto it = last_per_key.find(s.key);
    if (it != last_per_key.end()) {
      EXPECT_LT(it->second, i) << "order broken for " << s.key;
    }
    last_per_key[s.key] = i;
  }
  EXPECT_EQ(times.size(), 100u);
}

TEST(ProducerTest, CorrelationIdDefaultsToTheCallersScope) {
  testing::DevBroker broker(1, 1);
  Producer producer(test::producer_options(broker, 10s));
  {
    log::Scope scope("tenant-1", "scope-corr");
    DeliveryResult r = producer.produce_sync({"sync.requests", "k", "v", {}, {}});
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.partition, 0);
    EXPECT_EQ(r.offset, 0);
  }
  std::promise<std::string> got;
  test::ConsumerThread consumer(
      test::consumer_options(broker, "scope", {"sync.requests"}), [&](const Message& m) {
        got.set_value(std::string(m.header(kCorrelationHeader).value_or("")));
        return HandlerResult::done;
      });
  auto future = got.get_future();
  ASSERT_EQ(future.wait_for(30s), std::future_status::ready);
  EXPECT_EQ(future.get(), "scope-corr");
}

TEST(ProducerTest, OutageFailsWithinDeliveryTimeoutOrSucceedsAfterRecovery) {
  testing::DevBroker broker(3, 3);
  const std::string topic = "board.changes";
  Producer short_timeout(test::producer_options(broker, 3s));
  Producer long_timeout(test::producer_options(broker, 30s));

  std::mutex mutex;
  std::map<std::string, bool> reported;  // id -> delivered ok
  auto produce = [&](Producer& p, const std::string& id) {
    p.produce({topic, id, id, {}, {}}, [&, id](const DeliveryResult& r) {
      std::lock_guard lock(mutex);
      EXPECT_EQ(reported.count(id), 0u) << "second report for " << id;
      reported[id] = r.ok;
    });
  };
  ASSERT_TRUE(short_timeout.produce_sync({topic, "warm-short", "warm-short", {}, {}}).ok);
  ASSERT_TRUE(long_timeout.produce_sync({topic, "warm-long", "warm-long", {}, {}}).ok);
  reported["warm-short"] = reported["warm-long"] = true;

  broker.all_down();
  EXPECT_FALSE(short_timeout.ready(500ms));
  for (int i = 0; i < 50; ++i) produce(long_timeout, "late-" + std::to_string(i));
  for (int i = 0; i < 20; ++i) produce(short_timeout, "lost-" + std::to_string(i));
  auto started = Clock::now();
  DeliveryResult failed = short_timeout.produce_sync({topic, "sync-lost", "sync-lost", {}, {}});
  auto took = Clock::now() - started;
  EXPECT_FALSE(failed.ok);
  EXPECT_FALSE(failed.error.empty());
  EXPECT_LT(took, 6s) << "delivery timeout not honoured";
  reported["sync-lost"] = failed.ok;
  EXPECT_TRUE(short_timeout.flush(5s));

  broker.all_up();
  EXPECT_TRUE(long_timeout.flush(30s)) << "messages produced during the outage never reported";
  EXPECT_TRUE(short_timeout.ready(10s));
  // A caller that got a failure retries; only acknowledged messages count.
  bool after_ok = false;
  for (int attempt = 0; attempt < 5 && !after_ok; ++attempt) {
    after_ok = short_timeout.produce_sync({topic, "after", "after", {}, {}}).ok;
  }
  EXPECT_TRUE(after_ok);
  reported["after"] = after_ok;

  size_t accepted = 0, refused = 0;
  for (const auto& [id, ok] : reported) (ok ? accepted : refused)++;
  for (int i = 0; i < 50; ++i) EXPECT_TRUE(reported["late-" + std::to_string(i)]) << i;
  for (int i = 0; i < 20; ++i) EXPECT_FALSE(reported["lost-" + std::to_string(i)]) << i;

  std::map<std::string, int> consumed;
  test::ConsumerThread consumer(test::consumer_options(broker, "outage", {topic}),
                                [&](const Message& m) {
                                  std::lock_guard lock(mutex);
                                  ++consumed[std::string(m.value)];
                                  return HandlerResult::done;
                                });
  auto all_accepted_seen = [&] {
    std::lock_guard lock(mutex);
    for (const auto& [id, ok] : reported) {
      if (ok && consumed.count(id) == 0) return false;
    }
    return true;
  };
  testing::wait_until(all_accepted_seen, 30s);
  // Every stored message consumed and committed (the group's lag 0), so any
  // duplicate on the topic has been counted: no pause "for duplicates".
  EXPECT_TRUE(testing::wait_until(
      [&] { return testing::group_lag(broker.bootstrap(), "outage", topic) == 0; }, 30s));
  consumer.stop();

  size_t duplicated = 0, lost = 0, refused_but_stored = 0;
  for (const auto& [id, ok] : reported) {
    int n = consumed.count(id) != 0 ? consumed[id] : 0;
    if (ok && n == 0) ++lost;
    if (n > 1) ++duplicated;
    if (!ok && n > 0) ++refused_but_stored;
  }
  std::printf(
      "outage: accepted=%zu refused=%zu consumed=%zu duplicated=%zu lost=%zu "
      "refused_but_stored=%zu\n",
      accepted, refused, consumed.size(), duplicated, lost, refused_but_stored);
  EXPECT_EQ(duplicated, 0u);
  EXPECT_EQ(lost, 0u);

  // Failed deliveries are counted as errors, not timed: one latency
  // observation per acknowledged message of the topic.
  const std::string text = metrics::serialize();
  const double ok = testing::sample_or_zero(
      text, "hbsync_kafka_messages_produced_total{result=\"ok\",topic=\"board.changes\"}");
  EXPECT_GE(ok, static_cast<double>(accepted));
  EXPECT_GT(
      testing::sample_or_zero(
          text, "hbsync_kafka_messages_produced_total{result=\"error\",topic=\"board.changes\"}"),
      0.0);
  EXPECT_EQ(testing::sample_or_zero(
                text, "hbsync_kafka_produce_latency_seconds_count{topic=\"board.changes\"}"),
            ok)
      << text;
}

// Every consumer relies on one key's messages staying in order (ingress
// keys hubspot.events by portal): a partitioner that ignores the key is
// refused at start, librdkafka's keyed ones are taken.
TEST(ProducerTest, OnlyPartitionersThatKeepAKeysOrderAreTaken) {
  testing::DevBroker broker(1, 6);
  for (const std::string partitioner : {"consistent_random", "murmur2_random", "fnv1a"}) {
    ProducerOptions options = test::producer_options(broker, 10s);
    options.client.extra["partitioner"] = partitioner;
    Producer producer(options);
    std::set<int32_t> partitions;
    for (int i = 0; i < 5; ++i) {
      DeliveryResult r = producer.produce_sync({"hubspot.events", "62515", "v", {}, {}});
      ASSERT_TRUE(r.ok) << r.error;
      partitions.insert(r.partition);
    }
    EXPECT_EQ(partitions.size(), 1u) << partitioner << ": one key, one partition";
  }
  ProducerOptions random = test::producer_options(broker, 1s);
  random.client.extra["partitioner"] = "random";
  EXPECT_THROW(Producer{random}, std::runtime_error) << "random keeps no key's order";
}

TEST(ProducerTest, EnqueueFailureIsReportedOnce) {
  testing::DevBroker broker(1, 1);
  ProducerOptions options = test::producer_options(broker, 5s);
  options.client.extra["message.max.bytes"] = "2000";
  Producer producer(options);
  DeliveryResult r = producer.produce_sync({"sync.dlq", "k", std::string(10000, 'x'), {}, {}});
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.error.empty());
  std::promise<BatchResult> empty;
  producer.produce_batch({}, [&](const BatchResult& b) { empty.set_value(b); });
  EXPECT_TRUE(empty.get_future().get().ok);
  EXPECT_TRUE(producer.flush(1s));
  EXPECT_EQ(producer.in_flight(), 0u);
}

}  // namespace
}  // namespace hbsync::kafka
