#include "hbsync/metrics/metrics.hpp"

#include <prometheus/text_serializer.h>

#include <array>
#include <sstream>
#include <unordered_map>

namespace hbsync::metrics {

std::shared_ptr<prometheus::Registry> registry_ptr() {
  static auto instance = std::make_shared<prometheus::Registry>();
  return instance;
}

prometheus::Registry& registry() {
  return *registry_ptr();
}

std::string serialize() {
  std::ostringstream out;
  prometheus::TextSerializer serializer;
  serializer.Serialize(out, registry().Collect());
  return out.str();
}

const prometheus::Histogram::BucketBoundaries& latency_buckets() {
  static const prometheus::Histogram::BucketBoundaries buckets{
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return buckets;
}

const prometheus::Histogram::BucketBoundaries& sync_latency_buckets() {
  static const prometheus::Histogram::BucketBoundaries buckets{
      0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600};
  return buckets;
}

Common& common() {
  static Common c{
      prometheus::BuildCounter()
          .Name("hbsync_http_requests_total")
          .Help("HTTP requests served, by route pattern, method and status code")
          .Register(registry()),
      prometheus::BuildHistogram()
          .Name("hbsync_http_request_duration_seconds")
          .Help("Time from request read to response written")
          .Register(registry()),
      prometheus::BuildCounter()
          .Name("hbsync_kafka_messages_produced_total")
          .Help("Messages produced, by topic and delivery result (ok or error)")
          .Register(registry()),
      prometheus::BuildHistogram()
          .Name("hbsync_kafka_produce_latency_seconds")
          .Help("Time from producing a message to Kafka acknowledging it (acks=all), by topic")
          .Register(registry()),
      prometheus::BuildCounter()
          .Name("hbsync_kafka_messages_consumed_total")
          .Help("Messages consumed, by topic and handler result (ok, retry, failed)")
          .Register(registry()),
      prometheus::BuildGauge()
          .Name("hbsync_kafka_consumer_lag_messages")
          .Help("High watermark minus the consumer position, by topic and partition")
          .Register(registry()),
      prometheus::BuildCounter()
          .Name("hbsync_redis_errors_total")
          .Help("Redis errors, by kind (connect, timeout, reply, protocol)")
          .Register(registry()),
      prometheus::BuildCounter()
          .Name("hbsync_redis_reconnects_total")
          .Help("Redis connections re-established after a failure")
          .Register(registry()),
      prometheus::BuildGauge()
          .Name("hbsync_build_info")
          .Help("Always 1; labels carry the service name and version")
          .Register(registry()),
  };
  return c;
}

std::string_view method_label(std::string_view method) {
  static constexpr std::array<std::string_view, 7> kMethods{"GET",   "HEAD",   "POST",   "PUT",
                                                            "PATCH", "DELETE", "OPTIONS"};
  for (auto known : kMethods) {
    if (method == known) return known;
  }
  return "other";
}

std::string status_label(int status) {
  static constexpr std::array<int, 25> kCodes{200, 201, 202, 204, 206, 301, 302, 304, 400,
                                              401, 403, 404, 405, 408, 409, 413, 415, 422,
                                              429, 431, 500, 501, 502, 503, 504};
  for (int known : kCodes) {
    if (status == known) return std::to_string(status);
  }
  if (status < 100 || status > 599) return "other";
  return std::to_string(status / 100) + "xx";
}

void observe_http(const std::string& route, const std::string& method, int status, double seconds) {
  // Family::Add builds and hashes a label map under the family's lock; the
  // series of each (route, method, status) are looked up once per thread
  // and kept (the sets are closed, so the cache stays small).
  struct Series {
    prometheus::Counter* requests;
    prometheus::Histogram* duration;
  };
  thread_local std::unordered_map<std::string, Series> cache;
  const std::string_view method_value = method_label(method);
  std::string key = route;
  key.append(1, ' ').append(method_value).append(1, ' ').append(std::to_string(status));
  auto it = cache.find(key);
  if (it == cache.end()) {
    auto& c = common();
    const std::string method_text(method_value);
    Series series{&c.http_requests.Add(
                      {{"route", route}, {"method", method_text}, {"code", status_label(status)}}),
                  &c.http_request_duration.Add({{"route", route}, {"method", method_text}},
                                               latency_buckets())};
    it = cache.emplace(std::move(key), series).first;
  }
  it->second.requests->Increment();
  it->second.duration->Observe(seconds);
}

}  // namespace hbsync::metrics
