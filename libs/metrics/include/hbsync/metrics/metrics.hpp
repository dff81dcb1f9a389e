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
#include <string_view>

namespace hbsync::metrics {

// The process-wide registry. Services add their own families to it.
prometheus::Registry& registry();
std::shared_ptr<prometheus::Registry> registry_ptr();

// The Prometheus text format (version 0.0.4) of everything registered.
std::string serialize();
inline constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";

// Latency buckets in seconds, from 0.5 ms to 10 s.
const prometheus::Histogram::BucketBoundaries& latency_buckets();
// End-to-end sync latency buckets in seconds, from 10 ms to 1 h: a sync takes
// tens of milliseconds when nothing waits, and minutes to hours behind a rate
// limit, a retry backoff or an outage.
const prometheus::Histogram::BucketBoundaries& sync_latency_buckets();

// Families every service exports. Labels are bounded: routes are patterns,
// never raw paths; topics are configuration; no tenant ids on hot families.
struct Common {
  // route, method, code: closed sets (see observe_http)
  prometheus::Family<prometheus::Counter>& http_requests;
  prometheus::Family<prometheus::Histogram>& http_request_duration;  // route, method
  prometheus::Family<prometheus::Counter>& kafka_produced;           // topic, result
  // From the produce call to an acknowledging delivery report, by topic.
  prometheus::Family<prometheus::Histogram>& kafka_produce_latency;
  prometheus::Family<prometheus::Counter>& kafka_consumed;    // topic, result
  prometheus::Family<prometheus::Gauge>& kafka_consumer_lag;  // topic, partition
  prometheus::Family<prometheus::Counter>& redis_errors;      // kind
  prometheus::Family<prometheus::Counter>& redis_reconnects;
  prometheus::Family<prometheus::Gauge>& build_info;  // service, version
};
Common& common();

// Records one served HTTP request. `route` must be a registered pattern or
// "unmatched" (the server passes nothing else); the method and the status are
// mapped onto closed sets by the two functions below, so no request can add a
// series.
void observe_http(const std::string& route, const std::string& method, int status, double seconds);

// GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS as is (exact, upper case);
// anything else "other".
std::string_view method_label(std::string_view method);
// A status the services answer with ("200", "204", "400", ...) as is; any
// other as its class ("1xx" ... "5xx"), "other" outside 100-599.
std::string status_label(int status);

}  // namespace hbsync::metrics
