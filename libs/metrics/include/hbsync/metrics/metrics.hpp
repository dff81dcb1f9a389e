// Prometheus metrics shared by every binary: one registry per process, the
// common families every service exports, and the text exposition served on
// /metrics by the service frame. Names follow Prometheus conventions
// (hbsync_ prefix, base units, _total for counters, _seconds for durations).
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <memory>
#include <string>

namespace hbsync::metrics {

// The process-wide registry. Services add their own families to it.
prometheus::Registry& registry();
std::shared_ptr<prometheus::Registry> registry_ptr();

// The Prometheus text format (version 0.0.4) of everything registered.
std::string serialize();
inline constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";

// Latency buckets in seconds, from 0.5 ms to 10 s.
const prometheus::Histogram::BucketBoundaries& latency_buckets();

// Families every service exports. Labels are bounded: routes are patterns,
// never raw paths; topics are configuration; no tenant ids on hot families.
struct Common {
  prometheus::Family<prometheus::Counter>& http_requests;            // route, method, code
  prometheus::Family<prometheus::Histogram>& http_request_duration;  // route, method
  prometheus::Family<prometheus::Counter>& kafka_produced;           // topic, result
  prometheus::Family<prometheus::Counter>& kafka_consumed;           // topic, result
  prometheus::Family<prometheus::Gauge>& kafka_consumer_lag;         // topic, partition
  prometheus::Family<prometheus::Counter>& redis_errors;             // kind
  prometheus::Family<prometheus::Counter>& redis_reconnects;
  prometheus::Family<prometheus::Gauge>& build_info;  // service, version
};
Common& common();

// Records one served HTTP request (route is the matched pattern).
void observe_http(const std::string& route, const std::string& method, int status, double seconds);

}  // namespace hbsync::metrics
