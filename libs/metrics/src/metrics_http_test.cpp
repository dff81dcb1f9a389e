// Issue 8, A1: no request can add a series. A real server wired as the
// service frame wires it (observer metrics::observe_http, /metrics route)
// gets 10,000 requests with random methods and random paths; the number of
// series on /metrics must not change.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "hbsync/http/client.hpp"
#include "hbsync/http/server.hpp"
#include "hbsync/log/log.hpp"
#include "hbsync/metrics/metrics.hpp"

namespace hbsync::metrics {
namespace {

using namespace std::chrono_literals;

size_t count_series(const std::string& exposition) {
  size_t series = 0;
  std::istringstream lines(exposition);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line[0] != '#') ++series;
  }
  return series;
}

long rss_kib() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

std::string random_token(std::mt19937& rng, size_t min_length, size_t max_length) {
  static constexpr std::string_view kChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::uniform_int_distribution<size_t> length(min_length, max_length);
  std::uniform_int_distribution<size_t> pick(0, kChars.size() - 1);
  std::string out(length(rng), ' ');
  for (auto& c : out) c = kChars[pick(rng)];
  return out;
}

class MetricsHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log::init("metrics_http_test", log::Level::warn);
    http::Router router;
    router.add_sync("GET", "/metrics", [](http::Request&) {
      http::Response response;
      response.headers.set("Content-Type", kContentType);
      response.body = serialize();
      return response;
    });
    router.add_sync("POST", "/v1/items/{id}",
                    [](http::Request&) { return http::Response::text(201, "made"); });
    server_ = std::make_unique<http::Server>(http::ServerOptions{}, std::move(router));
    server_->set_observer(observe_http);
    server_->start();
  }
  void TearDown() override { server_->shutdown(2000ms); }

  std::string url(const std::string& target) const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + target;
  }

  std::string scrape() {
    auto result = client_.send({.url = url("/metrics")});
    EXPECT_EQ(result.response.status, 200);
    return result.response.body;
  }

  // Random methods (some known), random paths (some matching a pattern).
  void send_random(std::mt19937& rng, int count) {
    static const char* kKnown[] = {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"};
    for (int i = 0; i < count; ++i) {
      http::ClientRequest request;
      request.method = (i % 4 == 0) ? kKnown[rng() % 7] : random_token(rng, 1, 16);
      request.url = (i % 3 == 0)
                        ? url("/v1/items/" + random_token(rng, 1, 20))
                        : url("/" + random_token(rng, 1, 20) + "/" + random_token(rng, 1, 20));
      auto result = client_.send(request);
      ASSERT_TRUE(result.ok()) << result.error_message;
    }
  }

  std::unique_ptr<http::Server> server_;
  http::Client client_;
};

TEST_F(MetricsHttpTest, TenThousandRandomMethodsAndPathsAddNoSeries) {
  std::mt19937 rng(8);
  // Every label value the generator can reach, once.
  send_random(rng, 500);
  scrape();  // the scrape itself is counted once it is written
  std::string before = scrape();
  long rss_before = rss_kib();
  send_random(rng, 10000);
  std::string after = scrape();
  long rss_after = rss_kib();
  std::printf("series %zu -> %zu, /metrics %zu -> %zu bytes, RSS %ld -> %ld KiB\n",
              count_series(before), count_series(after), before.size(), after.size(), rss_before,
              rss_after);
  EXPECT_EQ(count_series(after), count_series(before));
  EXPECT_LT(count_series(after), 1000u);
  EXPECT_NE(after.find(R"(method="other",route="unmatched")"), std::string::npos) << after;
  EXPECT_NE(after.find(R"(code="201",method="POST",route="/v1/items/{id}")"), std::string::npos);
}

TEST(MetricsLabelsTest, MethodsAndStatusesMapOntoClosedSets) {
  EXPECT_EQ(method_label("GET"), "GET");
  EXPECT_EQ(method_label("OPTIONS"), "OPTIONS");
  EXPECT_EQ(method_label("get"), "other");
  EXPECT_EQ(method_label("PROPFIND"), "other");
  EXPECT_EQ(method_label(""), "other");
  EXPECT_EQ(status_label(204), "204");
  EXPECT_EQ(status_label(418), "4xx");
  EXPECT_EQ(status_label(599), "5xx");
  EXPECT_EQ(status_label(1000), "other");
  EXPECT_EQ(status_label(-1), "other");
}

}  // namespace
}  // namespace hbsync::metrics
