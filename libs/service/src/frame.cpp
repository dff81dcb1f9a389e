#include "hbsync/service/frame.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <condition_variable>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "hbsync/http/server.hpp"
#include "hbsync/log/log.hpp"
#include "hbsync/metrics/metrics.hpp"
#include "hbsync/shutdown/signals.hpp"
#include "hbsync/tenant/store.hpp"

namespace hbsync::service {

namespace {

// {"ready":..,"checks":{"<name>":"ok"|"failing",..[,"draining":"yes"]}[,"reason":".."]}
std::string readiness_body(bool ready, const std::vector<std::pair<std::string, bool>>& checks,
                           bool draining, const std::string& reason) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartObject();
  writer.Key("ready");
  writer.Bool(ready);
  writer.Key("checks");
  writer.StartObject();
  for (const auto& [name, ok] : checks) {
    writer.Key(name.c_str(), static_cast<rapidjson::SizeType>(name.size()));
    writer.String(ok ? "ok" : "failing");
  }
  if (draining) {
    writer.Key("draining");
    writer.String("yes");
  }
  writer.EndObject();
  if (!reason.empty()) {
    writer.Key("reason");
    writer.String(reason.c_str(), static_cast<rapidjson::SizeType>(reason.size()));
  }
  writer.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

struct RedisStateMetrics {
  prometheus::Gauge& lost;
  prometheus::Gauge& write_refused;
};

RedisStateMetrics& redis_state_metrics() {
  static RedisStateMetrics m{
      prometheus::BuildGauge()
          .Name("hbsync_redis_state_lost")
          .Help("1 while the Redis data set this service saw is gone (instance marker missing): "
                "the service is not ready and consumes nothing; re-apply the tenants")
          .Register(metrics::registry())
          .Add({}),
      prometheus::BuildGauge()
          .Name("hbsync_redis_write_refused")
          .Help("1 while Redis refuses writes (e.g. OOM at maxmemory, read-only replica)")
          .Register(metrics::registry())
          .Add({}),
  };
  return m;
}

int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

struct Frame::Readiness {
  std::mutex mutex;
  std::condition_variable wake;
  std::condition_variable state_changed;  // redis_lost_ turned false, or stopping
  bool ready = false;
  bool stop = false;
  std::string body = R"({"ready":false,"checks":{}})";
  std::thread thread;
};

struct Frame::ServerHolder {
  std::unique_ptr<http::Server> server;
};

Frame::Frame(Info info, int argc, char** argv)
    : info_(std::move(info)),
      loader_("hbsync-" + info_.name, info_.summary, argc, argv),
      readiness_(std::make_shared<Readiness>()) {
  // Blocked before any thread starts; run() takes them with shutdown::wait.
  shutdown::block_signals();
  http_address_ = loader_.str("HBSYNC_HTTP_ADDRESS", "0.0.0.0",
                              "Address the HTTP listener (API, /healthz, /readyz, /metrics) binds");
  http_port_ = loader_.port("HBSYNC_HTTP_PORT", info_.default_port, "Port of the HTTP listener");
  http_threads_ = static_cast<int>(
      loader_.integer("HBSYNC_HTTP_THREADS", 2, "Threads serving HTTP connections", 1, 64));
  http_body_limit_ = static_cast<size_t>(loader_.integer("HBSYNC_HTTP_BODY_LIMIT", 1024 * 1024,
                                                         "Largest accepted request body in bytes",
                                                         1024, 64 * 1024 * 1024));
  http_max_connections_ = static_cast<size_t>(loader_.integer(
      "HBSYNC_HTTP_MAX_CONNECTIONS", 10000,
      "Open HTTP connections at most; at the cap a new one replaces the longest idle one", 16,
      1000000));
  http_idle_timeout_ = loader_.duration(
      "HBSYNC_HTTP_IDLE_TIMEOUT", "5s",
      "How long an HTTP connection may wait for the first byte of a request before it is closed");
  http_header_timeout_ = loader_.duration(
      "HBSYNC_HTTP_HEADER_TIMEOUT", "3s",
      "From a request's first byte, how long its headers may take to arrive (then 408)");
  http_body_timeout_ = loader_.duration(
      "HBSYNC_HTTP_BODY_TIMEOUT", "10s",
      "After a request's headers, how long its body may take to arrive (then 408)");
  auto positive = [this](const char* name, std::chrono::milliseconds value) {
    if (value.count() <= 0) loader_.reject(name, "must be above zero");
  };
  positive("HBSYNC_HTTP_IDLE_TIMEOUT", http_idle_timeout_);
  positive("HBSYNC_HTTP_HEADER_TIMEOUT", http_header_timeout_);
  positive("HBSYNC_HTTP_BODY_TIMEOUT", http_body_timeout_);
  log_level_ = loader_.choice("HBSYNC_LOG_LEVEL", "info", {"debug", "info", "warn", "error"},
                              "Minimum log level");
  shutdown_timeout_ =
      loader_.duration("HBSYNC_SHUTDOWN_TIMEOUT", "20s",
                       "On SIGTERM, how long in-flight work may take to drain before exit");
  ready_interval_ = loader_.duration("HBSYNC_READY_INTERVAL", "1s",
                                     "How often readiness (Kafka and Redis reachable) is checked");
  topics_ = kafka::Topics::load(loader_);
  kafka_client_ = kafka::ClientOptions::load(loader_, "hbsync-" + info_.name);
  producer_options_ =
      kafka::ProducerOptions::load(loader_, kafka_client_, info_.delivery_timeout, info_.linger);
  redis_options_ = redis::Options::load(loader_);
}

Frame::~Frame() {
  {
    std::lock_guard lock(readiness_->mutex);
    readiness_->stop = true;
  }
  readiness_->wake.notify_all();
  if (readiness_->thread.joinable()) readiness_->thread.join();
}

void Frame::configured() {
  loader_.finish();
  log::Level level = log::Level::info;
  log::parse_level(log_level_, level);
  log::init(info_.name, level);
  metrics::common().build_info.Add({{"service", info_.name}, {"version", "0.1.0"}}).Set(1);
  redis_state_metrics();  // exported as 0 from the start, so an alert has a series
  redis_ = std::make_unique<redis::Client>(redis_options_);
  producer_ = std::make_unique<kafka::Producer>(producer_options_);
  add_common_routes();
  configured_ = true;
}

redis::Client& Frame::redis() {
  return *redis_;
}
kafka::Producer& Frame::producer() {
  return *producer_;
}

void Frame::add_readiness_check(std::string name, std::function<bool()> check) {
  checks_.push_back({std::move(name), std::move(check)});
}

void Frame::add_worker(std::string name, std::function<void()> run, std::function<void()> stop) {
  workers_.push_back({std::move(name), std::move(run), std::move(stop)});
}

void Frame::add_consumer(std::vector<std::string> topics, kafka::Handler handler) {
  // Declared now so --help lists the consumer's variables; created in run().
  auto options = kafka::ConsumerOptions::load(loader_, kafka_client_, "hbsync-" + info_.name,
                                              std::move(topics));
  pending_consumers_.push_back({std::move(options), std::move(handler)});
}

void Frame::add_common_routes() {
  router_.add_sync("GET", "/healthz",
                   [](http::Request&) { return http::Response::json(200, R"({"status":"ok"})"); });
  auto readiness = readiness_;
  router_.add_sync("GET", "/readyz", [readiness, this](http::Request&) {
    std::lock_guard lock(readiness->mutex);
    bool ready = readiness->ready && !stopping_.load();
    return http::Response::json(ready ? 200 : 503, readiness->body);
  });
  router_.add_sync("GET", "/metrics", [](http::Request&) {
    http::Response response;
    response.status = 200;
    response.headers.set("Content-Type", metrics::kContentType);
    response.body = metrics::serialize();
    return response;
  });
}

void Frame::note_marker(const redis::Reply& marker, const redis::Reply& tenants) {
  const bool present = marker.is_string() && !marker.str.empty();
  const bool had_tenants = tenants.is_integer() && tenants.integer > 0;
  const bool lost = !present && (!redis_marker_seen_.empty() || had_tenants);
  if (present && !redis_marker_seen_.empty() && marker.str != redis_marker_seen_) {
    log::warn("redis instance marker changed: a new data set (tenants re-applied)", {});
  }
  if (present) redis_marker_seen_ = marker.str;
  redis_marked_ = present;
  if (lost == redis_lost_.load()) return;
  redis_state_metrics().lost.Set(lost ? 1 : 0);
  if (lost) {
    log::error("redis state lost: the instance marker is gone; not ready, consuming nothing",
               {{"marker", tenant::Store::kInstanceKey},
                {"tenants", had_tenants ? tenants.integer : 0},
                {"recovery", "re-apply every tenant with hbsync-ctl tenant apply"}});
  } else {
    log::info("redis state restored: resuming", {{"marker", tenant::Store::kInstanceKey}});
  }
  {
    std::lock_guard lock(readiness_->mutex);
    redis_lost_ = lost;
  }
  readiness_->state_changed.notify_all();
}

void Frame::note_write(const redis::Reply& reply) {
  const std::string refusal = reply.is_error() ? reply.str : std::string();
  if (refusal == redis_write_refusal_) return;
  if (!refusal.empty()) {
    log::error("redis refuses writes", {{"error", refusal}});
  } else {
    log::info("redis takes writes again", {});
  }
  redis_write_refusal_ = refusal;
  redis_state_metrics().write_refused.Set(refusal.empty() ? 0 : 1);
}

bool Frame::check_redis(std::string& reason) {
  std::vector<redis::Reply> replies;
  try {
    replies = redis_->pipeline(
        {{"GET", tenant::Store::kInstanceKey},
         {"SCARD", tenant::Store::kTenantsKey},
         {"SET", tenant::keys::probe(info_.name), std::to_string(unix_ms()), "PX", "60000"}});
  } catch (const redis::Error& e) {
    // Unreachable or hung: the data-set state stays what it was last seen.
    reason = std::string("redis unavailable: ") + e.what();
    return false;
  }
  if (!replies[0].is_error() && !replies[1].is_error()) note_marker(replies[0], replies[1]);
  note_write(replies[2]);
  if (redis_lost_.load()) {
    reason = std::string("redis state lost: ") + tenant::Store::kInstanceKey +
             " is missing; re-apply the tenants (hbsync-ctl tenant apply)";
    return false;
  }
  for (const auto& reply : replies) {
    if (reply.is_error()) {
      reason = "redis error: " + reply.str;
      return false;
    }
  }
  return true;
}

bool Frame::wait_redis_state() {
  std::unique_lock lock(readiness_->mutex);
  readiness_->state_changed.wait_for(lock, std::chrono::seconds(10), [this] {
    return !redis_lost_.load() || stopping_.load() || readiness_->stop;
  });
  return !redis_lost_.load();
}

void Frame::readiness_loop() {
  while (true) {
    bool all_ok = !stopping_.load();
    std::vector<std::pair<std::string, bool>> checks;
    auto record = [&](const std::string& name, bool ok) {
      all_ok = all_ok && ok;
      checks.emplace_back(name, ok);
    };
    auto timeout = std::min(ready_interval_, std::chrono::milliseconds(2000));
    std::string redis_reason;
    record("redis", check_redis(redis_reason));
    record("kafka", producer_->ready(timeout));
    for (auto& c : checks_) {
      bool ok = false;
      try {
        ok = c.check();
      } catch (const std::exception& e) {
        log::warn("readiness check threw", {{"check", c.name}, {"error", e.what()}});
      }
      record(c.name, ok);
    }
    std::string body = readiness_body(all_ok, checks, stopping_.load(), redis_reason);
    std::unique_lock lock(readiness_->mutex);
    if (readiness_->ready != all_ok) {
      std::string failing;
      for (const auto& [name, ok] : checks) {
        if (!ok) failing += (failing.empty() ? "" : ",") + name;
      }
      log::info(all_ok ? "ready" : "not ready", {{"failing", failing}});
    }
    if (readiness_->ready != all_ok && !redis_reason.empty()) {
      log::warn("redis check failing", {{"reason", redis_reason}});
    }
    readiness_->ready = all_ok;
    readiness_->body = std::move(body);
    readiness_->wake.wait_for(lock, ready_interval_, [this] { return readiness_->stop; });
    if (readiness_->stop) return;
  }
}

uint16_t Frame::http_port() const {
  return server_ && server_->server ? server_->server->port() : http_port_;
}

int Frame::run() {
  if (!configured_) configured();
  http::ServerOptions options;
  options.address = http_address_;
  options.port = http_port_;
  options.threads = http_threads_;
  options.body_limit = http_body_limit_;
  options.max_connections = http_max_connections_;
  options.idle_timeout = http_idle_timeout_;
  options.header_timeout = http_header_timeout_;
  options.body_timeout = http_body_timeout_;
  server_ = std::make_unique<ServerHolder>();
  server_->server = std::make_unique<http::Server>(options, router_);
  server_->server->set_observer(metrics::observe_http);
  try {
    server_->server->start();
  } catch (const std::exception& e) {
    log::error("cannot start the HTTP listener", {{"error", e.what()}});
    return 1;
  }
  log::info("listening", {{"address", http_address_}, {"port", server_->server->port()}});

  readiness_->thread = std::thread([this] { readiness_loop(); });

  for (auto& pending : pending_consumers_) {
    // While Redis lost its data nothing is handled, so nothing is committed:
    // the messages wait in Kafka for the recovery (docs/operations.md).
    auto gated = [this, handler = pending.handler](const kafka::Message& m) {
      if (redis_lost_.load()) {
        log::warn("message held: redis state lost",
                  {{"topic", m.topic}, {"partition", m.partition}, {"offset", m.offset}});
        if (!wait_redis_state()) return kafka::HandlerResult::retry;
      }
      return handler(m);
    };
    consumers_.push_back(std::make_unique<kafka::Consumer>(pending.options, gated));
    kafka::Consumer* consumer = consumers_.back().get();
    add_worker(
        "consumer:" + pending.options.group_id, [consumer] { consumer->run(); },
        [consumer] { consumer->stop(); });
  }

  std::vector<std::thread> threads;
  for (auto& w : workers_) {
    threads.emplace_back([&w] {
      try {
        w.run();
      } catch (const std::exception& e) {
        log::error("worker failed", {{"worker", w.name}, {"error", e.what()}});
      }
    });
  }

  const int sig = shutdown::wait();
  auto started = std::chrono::steady_clock::now();
  log::info("shutting down", {{"signal", shutdown::name(sig)}});
  {
    std::lock_guard lock(readiness_->mutex);
    stopping_ = true;
    readiness_->ready = false;
  }
  readiness_->state_changed.notify_all();

  // New work stops first; work in hand finishes and is committed; the HTTP
  // requests still in flight (e.g. webhooks waiting for Kafka) get their
  // answers; then whatever the producer still holds is flushed.
  server_->server->stop_accepting();
  for (auto& w : workers_) w.stop();
  for (auto& t : threads) t.join();
  auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  auto remaining = std::max(std::chrono::milliseconds(100), shutdown_timeout_ - elapsed);
  bool drained = server_->server->shutdown(remaining);
  bool flushed = producer_->flush(std::max(std::chrono::milliseconds(100), remaining / 2));
  {
    std::lock_guard lock(readiness_->mutex);
    readiness_->stop = true;
  }
  readiness_->wake.notify_all();
  if (readiness_->thread.joinable()) readiness_->thread.join();
  log::info("stopped", {{"http_drained", drained}, {"kafka_flushed", flushed}});
  return drained && flushed ? 0 : 1;
}

}  // namespace hbsync::service
