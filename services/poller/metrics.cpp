#include "metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

#include <cstdint>
#include <string>

#include "hbsync/metrics/metrics.hpp"

namespace hbsync::poller::metrics {
namespace {

prometheus::Family<prometheus::Counter>& runs() {
  static auto& f = prometheus::BuildCounter()
                       .Name("hbsync_poller_runs_total")
                       .Help("Poll requests handled, by kind and result")
                       .Register(hbsync::metrics::registry());
  return f;
}

prometheus::Counter& changes() {
  static auto& c = prometheus::BuildCounter()
                       .Name("hbsync_poller_changes_published_total")
                       .Help("BoardProjectChange messages published to board.changes")
                       .Register(hbsync::metrics::registry())
                       .Add({});
  return c;
}

prometheus::Family<prometheus::Histogram>& durations() {
  static auto& f = prometheus::BuildHistogram()
                       .Name("hbsync_poller_run_duration_seconds")
                       .Help("Duration of finished poll runs")
                       .Register(hbsync::metrics::registry());
  return f;
}

prometheus::Family<prometheus::Counter>& requests() {
  static auto& f = prometheus::BuildCounter()
                       .Name("hbsync_poller_scheduled_requests_total")
                       .Help("Sync requests published by the scheduler, by kind")
                       .Register(hbsync::metrics::registry());
  return f;
}

prometheus::Gauge& age() {
  static auto& g = prometheus::BuildGauge()
                       .Name("hbsync_poller_oldest_success_age_seconds")
                       .Help("Longest time since a tenant's last successful poll")
                       .Register(hbsync::metrics::registry())
                       .Add({});
  return g;
}

}  // namespace

void run_finished(std::string_view kind, std::string_view result, double seconds) {
  runs().Add({{"kind", std::string(kind)}, {"result", std::string(result)}}).Increment();
  if (result == "succeeded" || result == "failed") {
    static const prometheus::Histogram::BucketBoundaries buckets = {0.1, 0.5, 1,  2,   5,
                                                                    10,  30,  60, 300, 1800};
    durations().Add({{"kind", std::string(kind)}}, buckets).Observe(seconds);
  }
}

void published(int64_t count) {
  changes().Increment(static_cast<double>(count));
}

void scheduled(std::string_view kind) {
  requests().Add({{"kind", std::string(kind)}}).Increment();
}

void oldest_success_age(double seconds) {
  age().Set(seconds);
}

}  // namespace hbsync::poller::metrics
