// hbsync-kafka-dev: a development Kafka cluster on librdkafka's mock brokers
// (real Kafka protocol on loopback, nothing on disk), with the project's
// topics created and a small HTTP API to take brokers down and up.
//
// The mock cluster's metadata in librdkafka 2.0.2 names controller id 0,
// which is no broker, so admin CreateTopics cannot work against it: the
// topics are created here through rd_kafka_mock_topic_create instead.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <string>
#include <vector>

#include "hbsync/config/config.hpp"
#include "hbsync/http/router.hpp"
#include "hbsync/http/server.hpp"
#include "hbsync/kafka/options.hpp"
#include "hbsync/log/log.hpp"
#include "hbsync/shutdown/signals.hpp"

namespace {

using namespace hbsync;

// Readers poll for the file, so it must never be seen half-written.
void write_atomically(const std::string& path, const std::string& content) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << content << '\n';
    if (!out.flush()) throw std::runtime_error("cannot write " + tmp);
  }
  std::filesystem::rename(tmp, path);
}

void librdkafka_log(const rd_kafka_t*, int level, const char* facility, const char* text) {
  log::write(level <= 4 ? log::Level::warn : log::Level::debug, "librdkafka",
             {{"facility", facility}, {"detail", text}});
}

// Mock brokers are numbered 1..N; the mock has no getter for their state,
// so it is remembered here.
class Brokers {
 public:
  Brokers(rd_kafka_mock_cluster_t* cluster, int count) : cluster_(cluster), up_(count, true) {}

  int count() const { return static_cast<int>(up_.size()); }

  bool set(int id, bool up) {
    std::lock_guard lock(mutex_);
    rd_kafka_resp_err_t err = up ? rd_kafka_mock_broker_set_up(cluster_, id)
                                 : rd_kafka_mock_broker_set_down(cluster_, id);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      log::warn("mock broker state change failed",
                {{"broker", id}, {"error", rd_kafka_err2name(err)}});
      return false;
    }
    up_[id - 1] = up;
    log::info(up ? "broker up" : "broker down", {{"broker", id}});
    return true;
  }

  std::string json() const {
    std::lock_guard lock(mutex_);
    std::string out = "{\"brokers\":[";
    for (size_t i = 0; i < up_.size(); ++i) {
      if (i > 0) out += ",";
      out += "{\"id\":" + std::to_string(i + 1) + ",\"up\":" + (up_[i] ? "true" : "false") + "}";
    }
    return out + "]}";
  }

 private:
  rd_kafka_mock_cluster_t* cluster_;
  mutable std::mutex mutex_;
  std::vector<bool> up_;
};

http::Router make_router(Brokers& brokers) {
  http::Router router;
  router.add_sync("GET", "/healthz",
                  [](http::Request&) { return http::Response::json(200, "{\"status\":\"ok\"}"); });
  router.add_sync("GET", "/brokers",
                  [&brokers](http::Request&) { return http::Response::json(200, brokers.json()); });
  auto change = [&brokers](bool up) {
    return [&brokers, up](http::Request& request) {
      std::string id_text = request.path_param("id").value_or("");
      if (id_text == "all") {
        bool ok = true;
        for (int id = 1; id <= brokers.count(); ++id) ok = brokers.set(id, up) && ok;
        return ok ? http::Response::json(200, brokers.json())
                  : http::Response::error(500, "mock cluster refused a state change");
      }
      int id = 0;
      try {
        size_t used = 0;
        id = std::stoi(id_text, &used);
        if (used != id_text.size()) id = 0;
      } catch (const std::exception&) {
        id = 0;
      }
      if (id < 1 || id > brokers.count()) return http::Response::error(404, "no such broker");
      if (!brokers.set(id, up)) return http::Response::error(500, "mock cluster refused");
      return http::Response::json(200, brokers.json());
    };
  };
  router.add_sync("POST", "/brokers/{id}/down", change(false));
  router.add_sync("POST", "/brokers/{id}/up", change(true));
  return router;
}

}  // namespace

int main(int argc, char** argv) {
  shutdown::block_signals();

  config::Loader loader("hbsync-kafka-dev",
                        "Development Kafka cluster on librdkafka's mock brokers, with the "
                        "project's topics and an HTTP API to stop and start brokers",
                        argc, argv);
  int brokers_count = static_cast<int>(
      loader.integer("HBSYNC_KAFKA_DEV_BROKERS", 3, "Number of mock brokers", 1, 32));
  int partitions = static_cast<int>(
      loader.integer("HBSYNC_KAFKA_DEV_PARTITIONS", 6, "Partitions of every topic", 1, 1000));
  std::string bootstrap_file = loader.str(
      "HBSYNC_KAFKA_DEV_BOOTSTRAP_FILE", "",
      "File to write the bootstrap servers to once the cluster is ready (ports change each start)");
  uint16_t control_port = loader.port("HBSYNC_KAFKA_DEV_CONTROL_PORT", 0,
                                      "Port of the control API on 127.0.0.1 (0 = any free port)");
  std::string control_file = loader.str("HBSYNC_KAFKA_DEV_CONTROL_FILE", "",
                                        "File to write the control API's base URL to");
  std::string log_level_text = loader.str("HBSYNC_LOG_LEVEL", "info", "debug, info, warn or error");
  kafka::Topics topics = kafka::Topics::load(loader);
  log::Level log_level = log::Level::info;
  if (!log::parse_level(log_level_text, log_level)) {
    std::cerr << "HBSYNC_LOG_LEVEL: must be debug, info, warn or error\n";
    return 2;
  }
  loader.finish();
  // stdout, so that whoever started it finds the bootstrap line there.
  log::init("hbsync-kafka-dev", log_level, &std::cout);

  // The mock cluster needs a client handle to live in; this one never
  // produces anything.
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set_log_cb(conf, librdkafka_log);
  char err[512];
  rd_kafka_conf_set(conf, "client.id", "hbsync-kafka-dev", err, sizeof err);
  // The mock brokers' connections take their socket options from this
  // handle. Real Kafka brokers send with TCP_NODELAY; with Nagle on, a small
  // response waits for the client's delayed ACK (up to 40 ms) whenever an
  // earlier one is unacknowledged, which made produce latency look like that.
  rd_kafka_conf_set(conf, "socket.nagle.disable", "true", err, sizeof err);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (rk == nullptr) {
    log::error("cannot create librdkafka handle", {{"error", err}});
    return 1;
  }
  rd_kafka_mock_cluster_t* cluster = rd_kafka_mock_cluster_new(rk, brokers_count);
  if (cluster == nullptr) {
    log::error("cannot create mock cluster");
    rd_kafka_destroy(rk);
    return 1;
  }
  const int replication = std::min(3, brokers_count);
  for (const auto& topic : topics.all()) {
    rd_kafka_resp_err_t rc =
        rd_kafka_mock_topic_create(cluster, topic.c_str(), partitions, replication);
    if (rc != RD_KAFKA_RESP_ERR_NO_ERROR) {
      log::error("cannot create topic", {{"topic", topic}, {"error", rd_kafka_err2name(rc)}});
      rd_kafka_mock_cluster_destroy(cluster);
      rd_kafka_destroy(rk);
      return 1;
    }
  }
  const std::string bootstrap = rd_kafka_mock_cluster_bootstraps(cluster);

  int exit_code = 0;
  {
    Brokers brokers(cluster, brokers_count);
    http::ServerOptions server_options;
    server_options.address = "127.0.0.1";
    server_options.port = control_port;
    server_options.threads = 1;
    http::Server server(server_options, make_router(brokers));
    try {
      server.start();
      const std::string control_url = "http://127.0.0.1:" + std::to_string(server.port());
      log::info("control API listening", {{"url", control_url}, {"port", server.port()}});
      if (!control_file.empty()) write_atomically(control_file, control_url);
      log::info("kafka dev cluster ready", {{"bootstrap", bootstrap},
                                            {"brokers", brokers_count},
                                            {"partitions", partitions},
                                            {"replication", replication}});
      // Last: its appearance tells scripts and tests that everything is up.
      if (!bootstrap_file.empty()) write_atomically(bootstrap_file, bootstrap);

      const int sig = shutdown::wait();
      log::info("stopping", {{"signal", sig}});
    } catch (const std::exception& e) {
      log::error("kafka dev cluster failed", {{"error", e.what()}});
      exit_code = 1;
    }
    server.shutdown(std::chrono::milliseconds(2000));
  }
  // Stale files would point the next reader at ports nobody listens on.
  std::error_code ignored;
  if (!bootstrap_file.empty()) std::filesystem::remove(bootstrap_file, ignored);
  if (!control_file.empty()) std::filesystem::remove(control_file, ignored);
  rd_kafka_mock_cluster_destroy(cluster);
  rd_kafka_destroy(rk);
  return exit_code;
}
