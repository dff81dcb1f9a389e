// The common frame of every service binary: configuration, logging, metrics,
// the HTTP listener with /healthz, /readyz and /metrics, Kafka producer,
// Redis client, background workers (consumers, schedulers) and the SIGTERM
// drain. A service's main() declares its own variables, adds its routes and
// workers, and calls run(); everything else looks the same in all of them.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "hbsync/config/config.hpp"
#include "hbsync/http/router.hpp"
#include "hbsync/kafka/consumer.hpp"
#include "hbsync/kafka/options.hpp"
#include "hbsync/kafka/producer.hpp"
#include "hbsync/redis/redis.hpp"

namespace hbsync::service {

struct Info {
  std::string name;     // short name: "ingress" (binary hbsync-ingress)
  std::string summary;  // one line for --help
  uint16_t default_port = 8080;
  // Default of HBSYNC_KAFKA_DELIVERY_TIMEOUT for this service's producer.
  std::string delivery_timeout = "30s";
  // Default of HBSYNC_KAFKA_LINGER for this service's producer.
  std::string linger = "2ms";
};

class Frame {
 public:
  // Declares the common variables (HTTP, logging, Kafka, Redis, shutdown).
  Frame(Info info, int argc, char** argv);
  ~Frame();
  Frame(const Frame&) = delete;
  Frame& operator=(const Frame&) = delete;

  // Declare service-specific variables here, then call configured().
  config::Loader& config() { return loader_; }
  // Handles --help and configuration errors (exit 0 / 2), then sets up
  // logging, metrics, the Redis client and the Kafka producer.
  void configured();

  const Info& info() const { return info_; }
  http::Router& router() { return router_; }
  redis::Client& redis();
  kafka::Producer& producer();
  const kafka::Topics& topics() const { return topics_; }
  const kafka::ClientOptions& kafka_client() const { return kafka_client_; }

  // Extra readiness conditions beyond Kafka and Redis.
  void add_readiness_check(std::string name, std::function<bool()> check);
  // A background worker: `run` is called on its own thread and must return
  // after `stop` was called (from the signal thread), having finished and
  // committed the work in hand.
  void add_worker(std::string name, std::function<void()> run, std::function<void()> stop);
  // A Kafka consumer worker in group HBSYNC_KAFKA_GROUP_ID (default
  // hbsync-<service>) on `topics`. Call before configured(): it declares
  // the consumer's variables.
  void add_consumer(std::vector<std::string> topics, kafka::Handler handler);

  // Starts the HTTP listener and the workers, waits for SIGTERM or SIGINT,
  // drains and returns the process exit code.
  int run();

  // True once shutdown has begun (readiness then reports 503).
  bool stopping() const { return stopping_.load(); }

  // Redis data-set state, checked by the readiness loop (docs/operations.md,
  // "Redis: durability, loss detection and recovery"). Lost: the instance
  // marker (tenant::Store::kInstanceKey) this process saw is gone, or tenants
  // exist without one. While lost the service is not ready and its consumers
  // hold their messages (nothing is committed); ingress refuses webhooks.
  bool redis_state_lost() const { return redis_lost_.load(); }
  // The last check found the marker (some tenant was applied to this data
  // set). Until then an unknown portal cannot be told from a lost tenant.
  bool redis_marked() const { return redis_marked_.load(); }
  const redis::Options& redis_options() const { return redis_options_; }
  // The bound HTTP port (after run() started the listener).
  uint16_t http_port() const;

 private:
  struct Worker {
    std::string name;
    std::function<void()> run;
    std::function<void()> stop;
  };
  struct Check {
    std::string name;
    std::function<bool()> check;
  };
  struct Readiness;

  void add_common_routes();
  void readiness_loop();
  // One round trip: reachable, takes writes, same data set. False with the
  // reason when not.
  bool check_redis(std::string& reason);
  void note_marker(const redis::Reply& marker, const redis::Reply& tenants);
  void note_write(const redis::Reply& reply);
  // Consumers call it while the state is lost: waits (bounded) for the
  // recovery; true when the state is good again.
  bool wait_redis_state();

  Info info_;
  config::Loader loader_;
  http::Router router_;
  kafka::Topics topics_;
  kafka::ClientOptions kafka_client_;
  kafka::ProducerOptions producer_options_;
  redis::Options redis_options_;

  std::string http_address_;
  uint16_t http_port_ = 0;
  int http_threads_ = 2;
  size_t http_body_limit_ = 0;
  size_t http_max_connections_ = 10000;
  std::chrono::milliseconds http_idle_timeout_{5000};
  std::chrono::milliseconds http_header_timeout_{3000};
  std::chrono::milliseconds http_body_timeout_{10000};
  std::chrono::milliseconds shutdown_timeout_{20000};
  std::chrono::milliseconds ready_interval_{1000};
  std::string log_level_;

  std::unique_ptr<redis::Client> redis_;
  std::unique_ptr<kafka::Producer> producer_;
  struct PendingConsumer {
    kafka::ConsumerOptions options;
    kafka::Handler handler;
  };
  std::vector<PendingConsumer> pending_consumers_;
  std::vector<std::unique_ptr<kafka::Consumer>> consumers_;
  std::vector<Worker> workers_;
  std::vector<Check> checks_;
  std::shared_ptr<Readiness> readiness_;
  struct ServerHolder;
  std::unique_ptr<ServerHolder> server_;
  std::atomic<bool> stopping_{false};
  bool configured_ = false;
  std::atomic<bool> redis_lost_{false};
  std::atomic<bool> redis_marked_{false};
  std::string redis_marker_seen_;    // readiness thread only
  std::string redis_write_refusal_;  // readiness thread only: last refusal text
};

}  // namespace hbsync::service
