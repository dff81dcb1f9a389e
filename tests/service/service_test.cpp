// The common frame as every service binary shows it: --help, configuration
// errors, /healthz, /readyz following Redis, /metrics, and the SIGTERM drain
// with a consumer in the middle of a stream of messages.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "hbsync/http/client.hpp"
#include "hbsync/kafka/producer.hpp"
#include "hbsync/testing/dev_broker.hpp"
#include "hbsync/testing/process.hpp"
#include "hbsync/testing/redis_server.hpp"

namespace {

using namespace std::chrono_literals;
using hbsync::testing::Process;

const std::vector<std::string> kServices = {"ingress", "mapper", "writer", "poller", "admin"};

std::string run_capture(const std::string& command, int& status) {
  std::string output;
  FILE* pipe = ::popen(command.c_str(), "r");
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) output.append(buf, n);
  status = WEXITSTATUS(::pclose(pipe));
  return output;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int http_get(hbsync::http::Client& client, uint16_t port, const std::string& path,
             std::string* body = nullptr) {
  hbsync::http::ClientRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(port) + path;
  request.timeout = 2s;
  auto result = client.send(request);
  if (!result.ok()) return 0;
  if (body) *body = result.response.body;
  return result.response.status;
}

struct ServiceProcess {
  uint16_t port;
  std::string log_path;
  Process process;
};

ServiceProcess start_service(const std::string& name, const std::string& redis_url,
                             const std::string& brokers,
                             std::map<std::string, std::string> extra = {}) {
  ServiceProcess s;
  s.port = hbsync::testing::free_port();
  s.log_path = ::testing::TempDir() + "hbsync-" + name + "-" + std::to_string(s.port) + ".log";
  std::map<std::string, std::string> env = {
      {"HBSYNC_HTTP_ADDRESS", "127.0.0.1"},
      {"HBSYNC_HTTP_PORT", std::to_string(s.port)},
      {"HBSYNC_REDIS_URL", redis_url},
      {"HBSYNC_KAFKA_BROKERS", brokers},
      {"HBSYNC_READY_INTERVAL", "200ms"},
      {"HBSYNC_HUBSPOT_CLIENT_SECRET", "test-secret"},
      // The writer needs the credential keys (tenant settings); 32 zero bytes.
      {"HBSYNC_ENCRYPTION_KEYS", "k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}};
  for (auto& [k, v] : extra) env[k] = v;
  s.process = Process({hbsync::testing::bin_path("hbsync-" + name)}, env, s.log_path);
  return s;
}

TEST(ServiceFrameTest, HelpListsVariablesAndExitsZero) {
  for (const auto& name : kServices) {
    int status = -1;
    std::string out = run_capture(hbsync::testing::bin_path("hbsync-" + name) + " --help", status);
    EXPECT_EQ(status, 0) << name;
    for (const char* var : {"HBSYNC_HTTP_PORT", "HBSYNC_KAFKA_BROKERS", "HBSYNC_REDIS_URL",
                            "HBSYNC_LOG_LEVEL", "HBSYNC_SHUTDOWN_TIMEOUT"}) {
      EXPECT_NE(out.find(var), std::string::npos) << name << " --help lacks " << var;
    }
  }
}

// Every service that records history entries trims the stream with one cap
// (each XADD trims the whole stream, so two caps would undo each other).
TEST(ServiceFrameTest, EveryServiceThatRecordsHistoryReadsTheOneCap) {
  for (const auto& name : {"mapper", "writer", "poller"}) {
    int status = -1;
    std::string help =
        run_capture(hbsync::testing::bin_path(std::string("hbsync-") + name) + " --help", status);
    EXPECT_EQ(status, 0) << name;
    EXPECT_NE(help.find("HBSYNC_HISTORY_MAX"), std::string::npos) << name;
    std::string out =
        run_capture("HBSYNC_HISTORY_MAX=5 " +
                        hbsync::testing::bin_path(std::string("hbsync-") + name) + " 2>&1",
                    status);
    EXPECT_EQ(status, 2) << name;
    EXPECT_NE(out.find("HBSYNC_HISTORY_MAX"), std::string::npos) << name << ": " << out;
  }
}

TEST(ServiceFrameTest, BadConfigurationExitsTwoNamingTheVariable) {
  for (const auto& name : kServices) {
    int status = -1;
    std::string out =
        run_capture("HBSYNC_HUBSPOT_CLIENT_SECRET=s HBSYNC_HTTP_PORT=99999 HBSYNC_LOG_LEVEL=loud " +
                        hbsync::testing::bin_path("hbsync-" + name) + " 2>&1",
                    status);
    EXPECT_EQ(status, 2) << name;
    EXPECT_NE(out.find("HBSYNC_HTTP_PORT"), std::string::npos) << out;
    EXPECT_NE(out.find("HBSYNC_LOG_LEVEL"), std::string::npos) << out;
  }
}

TEST(ServiceFrameTest, EveryServiceBecomesReadyAndServesMetrics) {
  hbsync::testing::RedisServer redis;
  auto brokers = hbsync::testing::fixture_value("KAFKA_BROKERS");
  ASSERT_TRUE(brokers) << "kafka fixture missing";
  hbsync::http::Client client;
  std::vector<ServiceProcess> services;
  for (const auto& name : kServices) services.push_back(start_service(name, redis.url(), *brokers));
  for (size_t i = 0; i < services.size(); ++i) {
    auto& s = services[i];
    EXPECT_TRUE(hbsync::testing::wait_until(
        [&] { return http_get(client, s.port, "/readyz") == 200; }, 30s))
        << kServices[i] << " never ready; log:\n"
        << read_file(s.log_path);
    EXPECT_EQ(http_get(client, s.port, "/healthz"), 200);
    std::string metrics;
    EXPECT_EQ(http_get(client, s.port, "/metrics", &metrics), 200);
    EXPECT_NE(metrics.find("hbsync_build_info{service=\"" + kServices[i] + "\""),
              std::string::npos);
    // The /readyz and /healthz calls above are counted by route and code.
    EXPECT_NE(metrics.find("hbsync_http_requests_total{code=\"200\",method=\"GET\",route=\"/"
                           "readyz\"}"),
              std::string::npos)
        << metrics;
  }
  for (auto& s : services) {
    s.process.signal(SIGTERM);
    EXPECT_EQ(s.process.wait(10s), 0) << read_file(s.log_path);
  }
}

TEST(ServiceFrameTest, ReadyzFollowsRedis) {
  hbsync::testing::RedisServer redis;
  auto brokers = hbsync::testing::fixture_value("KAFKA_BROKERS");
  ASSERT_TRUE(brokers);
  hbsync::http::Client client;
  auto s = start_service("writer", redis.url(), *brokers);
  ASSERT_TRUE(
      hbsync::testing::wait_until([&] { return http_get(client, s.port, "/readyz") == 200; }, 30s))
      << read_file(s.log_path);
  redis.stop();
  std::string body;
  EXPECT_TRUE(hbsync::testing::wait_until(
      [&] { return http_get(client, s.port, "/readyz", &body) == 503; }, 10s));
  EXPECT_NE(body.find("\"redis\":\"failing\""), std::string::npos) << body;
  EXPECT_EQ(http_get(client, s.port, "/healthz"), 200) << "liveness must not follow Redis";
  redis.start();
  EXPECT_TRUE(hbsync::testing::wait_until(
      [&] { return http_get(client, s.port, "/readyz", &body) == 200; }, 15s))
      << body;
  s.process.signal(SIGTERM);
  EXPECT_EQ(s.process.wait(10s), 0);
}

// Committed offsets of `group` for partitions 0..partitions-1 of `topic`.
std::map<int32_t, int64_t> committed_offsets(const std::string& brokers, const std::string& group,
                                             const std::string& topic, int partitions) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", brokers.c_str(), err, sizeof err);
  rd_kafka_conf_set(conf, "group.id", group.c_str(), err, sizeof err);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p) rd_kafka_topic_partition_list_add(list, topic.c_str(), p);
  std::map<int32_t, int64_t> result;
  if (rd_kafka_committed(rk, list, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    for (int i = 0; i < list->cnt; ++i) result[list->elems[i].partition] = list->elems[i].offset;
  }
  rd_kafka_topic_partition_list_destroy(list);
  rd_kafka_destroy(rk);
  return result;
}

TEST(ServiceFrameTest, SigtermMidStreamExitsZeroAndCommitsOnlyWhatWasHandled) {
  hbsync::testing::RedisServer redis;
  hbsync::testing::DevBroker broker(3, 6);
  const std::string topic = "hubspot.events";
  auto s =
      start_service("mapper", redis.url(), broker.bootstrap(), {{"HBSYNC_LOG_LEVEL", "debug"}});
  hbsync::http::Client client;
  ASSERT_TRUE(
      hbsync::testing::wait_until([&] { return http_get(client, s.port, "/readyz") == 200; }, 30s))
      << read_file(s.log_path);

  hbsync::config::Loader loader("test", "test", 0, nullptr,
                                [&](const std::string& name) -> std::optional<std::string> {
                                  if (name == "HBSYNC_KAFKA_BROKERS") return broker.bootstrap();
                                  return std::nullopt;
                                });
  auto options = hbsync::kafka::ProducerOptions::load(
      loader, hbsync::kafka::ClientOptions::load(loader, "service-test"));
  hbsync::kafka::Producer producer(options);
  std::atomic<bool> producing{true};
  std::atomic<int> acked{0};
  std::thread feeder([&] {
    for (int i = 0; producing; ++i) {
      auto r = producer.produce_sync({topic, "k" + std::to_string(i % 40), "v", {}, ""});
      if (r.ok) ++acked;
      std::this_thread::sleep_for(2ms);  // feed pacing: a steady stream (the scenario)
    }
  });
  // Let the mapper consume a good part of the stream, then stop it mid-way.
  ASSERT_TRUE(hbsync::testing::wait_until(
      [&] {
        std::string log = read_file(s.log_path);
        size_t count = 0, pos = 0;
        while ((pos = log.find("message handled", pos)) != std::string::npos) ++count, ++pos;
        return count >= 200;
      },
      30s))
      << read_file(s.log_path);
  auto signalled = std::chrono::steady_clock::now();
  s.process.signal(SIGTERM);
  auto code = s.process.wait(10s);
  auto took = std::chrono::steady_clock::now() - signalled;
  producing = false;
  feeder.join();
  ASSERT_EQ(code, 0) << read_file(s.log_path);
  EXPECT_LT(took, 5s);

  // Offsets the mapper logged as handled, per partition.
  std::map<int32_t, std::set<int64_t>> handled;
  std::regex line_re(
      R"re("msg":"message handled".*"topic":"hubspot\.events","partition":(\d+),"offset":(\d+))re");
  std::istringstream log(read_file(s.log_path));
  std::string line;
  while (std::getline(log, line)) {
    std::smatch m;
    if (std::regex_search(line, m, line_re)) handled[std::stoi(m[1])].insert(std::stoll(m[2]));
  }
  ASSERT_FALSE(handled.empty());

  auto committed = committed_offsets(broker.bootstrap(), "hbsync-mapper", topic, 6);
  int64_t total_committed = 0;
  for (auto& [partition, offset] : committed) {
    if (offset < 0) continue;  // nothing committed on this partition
    total_committed += offset;
    // Every offset below the committed one was handled: nothing committed
    // that was not processed.
    for (int64_t o = 0; o < offset; ++o) {
      ASSERT_TRUE(handled[partition].count(o))
          << "partition " << partition << " offset " << o << " committed but never handled";
    }
  }
  EXPECT_GT(total_committed, 0) << "the drain must commit what it handled";
  // And the drain committed everything it handled, so a restart does not
  // re-deliver work that was finished.
  for (auto& [partition, offsets] : handled) {
    EXPECT_EQ(committed[partition], *offsets.rbegin() + 1) << "partition " << partition;
  }
  std::cout << "acked " << acked << " messages, committed " << total_committed << std::endl;
}

// Redis restarted without its data after a tenant was applied: every
// service goes not ready with the reason and raises hbsync_redis_state_lost;
// a consumer holds its messages (nothing committed) until the tenants are
// applied again, then handles them.
TEST(ServiceFrameTest, WipedRedisEveryServiceNotReadyNothingCommittedUntilRecovery) {
  hbsync::testing::RedisServer redis;
  hbsync::testing::DevBroker broker(1, 3);
  int status = 0;
  const std::string cli = "redis-cli -p " + std::to_string(redis.port()) + " ";
  // What `hbsync-ctl tenant apply` leaves for this purpose: marker and tenant.
  auto apply = [&](const std::string& marker) {
    run_capture(cli + "SET hbsync:instance " + marker + " NX", status);
    run_capture(cli + "SADD hbsync:tenants 62515", status);
  };
  apply("first");
  hbsync::http::Client client;
  std::map<std::string, ServiceProcess> services;
  for (const auto& name : kServices) {
    services.emplace(name, start_service(name, redis.url(), broker.bootstrap()));
  }
  for (auto& [name, s] : services) {
    ASSERT_TRUE(hbsync::testing::wait_until(
        [&] { return http_get(client, s.port, "/readyz") == 200; }, 30s))
        << name << "\n"
        << read_file(s.log_path);
  }

  redis.wipe();
  for (auto& [name, s] : services) {
    std::string body, metrics;
    EXPECT_TRUE(hbsync::testing::wait_until(
        [&] {
          return http_get(client, s.port, "/readyz", &body) == 503 &&
                 body.find("redis state lost") != std::string::npos &&
                 http_get(client, s.port, "/metrics", &metrics) == 200 &&
                 metrics.find("hbsync_redis_state_lost 1") != std::string::npos;
        },
        10s))
        << name << ": " << body;
    EXPECT_EQ(http_get(client, s.port, "/healthz"), 200) << name;
    EXPECT_NE(read_file(s.log_path).find("redis state lost"), std::string::npos) << name;
  }

  // A message for the mapper while the state is lost: held, not committed.
  hbsync::config::Loader loader("test", "test", 0, nullptr,
                                [&](const std::string& name) -> std::optional<std::string> {
                                  if (name == "HBSYNC_KAFKA_BROKERS") return broker.bootstrap();
                                  return std::nullopt;
                                });
  hbsync::kafka::Producer producer(hbsync::kafka::ProducerOptions::load(
      loader, hbsync::kafka::ClientOptions::load(loader, "service-test")));
  ASSERT_TRUE(producer.produce_sync({"hubspot.events", "62515:deal:1", "v", {}, ""}).ok);
  auto& mapper = services.at("mapper");
  ASSERT_TRUE(hbsync::testing::wait_until(
      [&] {
        return read_file(mapper.log_path).find("message held: redis state lost") !=
               std::string::npos;
      },
      30s))
      << read_file(mapper.log_path);
  auto committed_total = [&] {
    int64_t total = 0;
    for (auto& [p, o] : committed_offsets(broker.bootstrap(), "hbsync-mapper", "hubspot.events", 3))
      total += std::max<int64_t>(o, 0);
    return total;
  };
  EXPECT_EQ(committed_total(), 0) << "nothing is committed while Redis lost its data";

  apply("second");  // the documented recovery
  for (auto& [name, s] : services) {
    EXPECT_TRUE(hbsync::testing::wait_until(
        [&] { return http_get(client, s.port, "/readyz") == 200; }, 15s))
        << name;
  }
  EXPECT_TRUE(hbsync::testing::wait_until([&] { return committed_total() == 1; }, 30s))
      << read_file(mapper.log_path);
  for (auto& [name, s] : services) {
    s.process.signal(SIGTERM);
    EXPECT_EQ(s.process.wait(20s), 0) << name << "\n" << read_file(s.log_path);
  }
}

}  // namespace
