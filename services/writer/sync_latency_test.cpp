// The end-to-end sync latency: what is measured and under which labels.
#include "sync_latency.hpp"

#include <gtest/gtest.h>

#include "hbsync/metrics/metrics.hpp"
#include "hbsync/testing/metrics.hpp"

namespace hbsync::writer {
namespace {

using std::chrono::milliseconds;
using TimePoint = std::chrono::system_clock::time_point;

TEST(SyncLatencyTest, RunsFromTheOriginToNow) {
  const TimePoint now{milliseconds(1'800'000'001'234)};
  EXPECT_DOUBLE_EQ(sync_latency_seconds(1'800'000'000'000, now).value_or(-1), 1.234);
  EXPECT_FALSE(sync_latency_seconds(0, now).has_value());  // an older mapper's command
  // Another host's clock a little ahead: no negative latency.
  EXPECT_DOUBLE_EQ(sync_latency_seconds(1'800'000'001'300, now).value_or(-1), 0.0);
}

TEST(SyncLatencyTest, ObservedByDirectionWithFirstDealsApart) {
  const auto series = [](const std::string& suffix, const std::string& direction,
                         const std::string& first, const std::string& le = "") {
    std::string s = "hbsync_sync_latency_seconds_" + suffix + "{direction=\"" + direction +
                    "\",first_deal=\"" + first + "\"";
    if (!le.empty()) s += ",le=\"" + le + "\"";
    return testing::sample_or_zero(metrics::serialize(), s + "}");
  };
  const TimePoint now{milliseconds(1'800'000'000'000)};
  observe_sync_latency("hubspot_to_board", FirstDeal::no, 1'800'000'000'000 - 40, now);
  observe_sync_latency("hubspot_to_board", FirstDeal::no, 1'800'000'000'000 - 700, now);
  observe_sync_latency("hubspot_to_board", FirstDeal::tenant, 1'800'000'000'000 - 620, now);
  observe_sync_latency("board_to_hubspot", FirstDeal::no, 1'800'000'000'000 - 900, now);
  observe_sync_latency("board_to_hubspot", FirstDeal::no, 0, now);  // no origin: not observed

  EXPECT_EQ(series("count", "hubspot_to_board", "no"), 2.0);
  EXPECT_EQ(series("bucket", "hubspot_to_board", "no", "0.05"), 1.0);  // 40 ms
  EXPECT_EQ(series("bucket", "hubspot_to_board", "no", "1"), 2.0);
  EXPECT_EQ(series("count", "hubspot_to_board", "tenant"), 1.0);
  EXPECT_EQ(series("bucket", "hubspot_to_board", "tenant", "0.5"), 0.0);  // 620 ms
  EXPECT_EQ(series("count", "hubspot_to_board", "company"), 0.0);
  EXPECT_EQ(series("count", "board_to_hubspot", "no"), 1.0);
  EXPECT_DOUBLE_EQ(series("sum", "board_to_hubspot", "no"), 0.9);
  EXPECT_EQ(to_string(FirstDeal::company), "company");
}

}  // namespace
}  // namespace hbsync::writer
