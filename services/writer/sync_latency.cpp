#include "sync_latency.hpp"

#include <prometheus/histogram.h>

#include <algorithm>
#include <string>

#include "hbsync/metrics/metrics.hpp"

namespace hbsync::writer {

std::string_view to_string(FirstDeal first) {
  switch (first) {
    case FirstDeal::company:
      return "company";
    case FirstDeal::tenant:
      return "tenant";
    case FirstDeal::no:
      break;
  }
  return "no";
}

std::optional<double> sync_latency_seconds(int64_t origin_ms,
                                           std::chrono::system_clock::time_point now) {
  if (origin_ms <= 0) return std::nullopt;
  const int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  return static_cast<double>(std::max<int64_t>(0, now_ms - origin_ms)) / 1000.0;
}

void observe_sync_latency(std::string_view direction, FirstDeal first, int64_t origin_ms,
                          std::chrono::system_clock::time_point now) {
  const auto seconds = sync_latency_seconds(origin_ms, now);
  if (!seconds) return;
  static auto& family =
      prometheus::BuildHistogram()
          .Name("hbsync_sync_latency_seconds")
          .Help(
              "From hbsync learning of a change (webhook accepted by ingress, board change "
              "seen by the poller) to the writer applying it, by direction and first_deal "
              "(tenant, company: the sync linked a tenant's or a company's first deal; no)")
          .Register(metrics::registry());
  // Labels from two closed sets; a lookup per applied command is cheap next
  // to the API calls that applied it.
  family
      .Add({{"direction", std::string(direction)}, {"first_deal", std::string(to_string(first))}},
           metrics::sync_latency_buckets())
      .Observe(*seconds);
}

}  // namespace hbsync::writer
