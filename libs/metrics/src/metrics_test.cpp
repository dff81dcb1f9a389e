#include "hbsync/metrics/metrics.hpp"

#include <gtest/gtest.h>

namespace hbsync::metrics {
namespace {

TEST(MetricsTest, HttpObservationsAppearInExposition) {
  observe_http("/webhooks/hubspot", "POST", 204, 0.002);
  observe_http("/webhooks/hubspot", "POST", 204, 0.003);
  observe_http("/webhooks/hubspot", "POST", 401, 0.001);
  std::string text = serialize();
  EXPECT_NE(text.find("# TYPE hbsync_http_requests_total counter"), std::string::npos);
  EXPECT_NE(
      text.find(
          "hbsync_http_requests_total{code=\"204\",method=\"POST\",route=\"/webhooks/hubspot\"} 2"),
      std::string::npos)
      << text;
  EXPECT_NE(
      text.find(
          "hbsync_http_requests_total{code=\"401\",method=\"POST\",route=\"/webhooks/hubspot\"} 1"),
      std::string::npos);
  EXPECT_NE(text.find("hbsync_http_request_duration_seconds_count{method=\"POST\",route=\"/"
                      "webhooks/hubspot\"} 3"),
            std::string::npos);
  EXPECT_NE(text.find("hbsync_http_request_duration_seconds_bucket{method=\"POST\",route=\"/"
                      "webhooks/hubspot\",le=\"0.0025\"} 2"),
            std::string::npos)
      << text;
}

TEST(MetricsTest, CommonFamiliesAreRegisteredOnce) {
  auto& a = common();
  auto& b = common();
  EXPECT_EQ(&a.kafka_produced, &b.kafka_produced);
  a.redis_errors.Add({{"kind", "timeout"}}).Increment();
  EXPECT_NE(serialize().find("hbsync_redis_errors_total{kind=\"timeout\"} 1"), std::string::npos);
}

TEST(MetricsTest, LatencyBucketsAreSorted) {
  for (const auto* b : {&latency_buckets(), &sync_latency_buckets()}) {
    ASSERT_FALSE(b->empty());
    for (size_t i = 1; i < b->size(); ++i) EXPECT_LT((*b)[i - 1], (*b)[i]);
  }
  // Milliseconds apart at the low end, an hour at the top.
  EXPECT_LE(latency_buckets().front(), 0.001);
  EXPECT_LE(sync_latency_buckets().front(), 0.01);
  EXPECT_GE(sync_latency_buckets().back(), 3600);
}

TEST(MetricsTest, KafkaProduceLatencyIsAHistogramByTopic) {
  common().kafka_produce_latency.Add({{"topic", "t"}}, latency_buckets()).Observe(0.003);
  const std::string text = serialize();
  EXPECT_NE(text.find("# TYPE hbsync_kafka_produce_latency_seconds histogram"), std::string::npos);
  EXPECT_NE(text.find("hbsync_kafka_produce_latency_seconds_bucket{topic=\"t\",le=\"0.0025\"} 0"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("hbsync_kafka_produce_latency_seconds_bucket{topic=\"t\",le=\"0.005\"} 1"),
            std::string::npos);
}

}  // namespace
}  // namespace hbsync::metrics
