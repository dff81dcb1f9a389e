#include "client.hpp"

#include <stdexcept>

#include "hbsync/log/log.hpp"

namespace hbsync::kafka::detail {
namespace {

// librdkafka logs from its own threads with syslog levels. Levels up to 4
// are mostly transient connection trouble that it retries by itself, so
// they are warnings; real failures reach us through error callbacks and
// delivery reports.
void log_callback(const rd_kafka_t* rk, int level, const char* facility, const char* text) {
  log::Level ours = level <= 4   ? log::Level::warn
                    : level <= 6 ? log::Level::info
                                 : log::Level::debug;
  log::write(ours, "librdkafka",
             {{"client", rd_kafka_name(rk)}, {"facility", facility}, {"detail", text}});
}

void set(rd_kafka_conf_t* conf, const std::string& key, const std::string& value) {
  char err[512];
  if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error("kafka: property " + key + " rejected: " + err);
  }
}

}  // namespace

rd_kafka_conf_t* make_conf(const ClientOptions& client, const Properties& defaults,
                           const Properties& enforced) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set_log_cb(conf, log_callback);
  set(conf, "bootstrap.servers", client.brokers);
  if (!client.client_id.empty()) set(conf, "client.id", client.client_id);
  for (const auto& [key, value] : defaults) set(conf, key, value);
  for (const auto& [key, value] : client.extra) {
    bool overridden = false;
    for (const auto& e : enforced) overridden = overridden || e.first == key;
    if (overridden) {
      log::warn("kafka property ignored: this library depends on its own value",
                {{"property", key}});
      continue;
    }
    set(conf, key, value);
  }
  for (const auto& [key, value] : enforced) set(conf, key, value);
  return conf;
}

rd_kafka_t* make_handle(rd_kafka_type_t type, rd_kafka_conf_t* conf) {
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof err);
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(std::string("kafka: cannot create client: ") + err);
  }
  return rk;
}

bool metadata_ready(rd_kafka_t* rk, std::chrono::milliseconds timeout) {
  const rd_kafka_metadata_t* metadata = nullptr;
  // all_topics=0 and no topic handle: asks only for brokers and topics this
  // client already knows, which keeps the probe cheap on a big cluster.
  rd_kafka_resp_err_t err =
      rd_kafka_metadata(rk, 0, nullptr, &metadata, static_cast<int>(timeout.count()));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return false;
  bool has_brokers = metadata->broker_cnt > 0;
  rd_kafka_metadata_destroy(metadata);
  return has_brokers;
}

std::vector<std::pair<std::string_view, std::string_view>> headers_of(const rd_kafka_message_t* m) {
  std::vector<std::pair<std::string_view, std::string_view>> out;
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(m, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR) return out;
  const char* name = nullptr;
  const void* value = nullptr;
  size_t size = 0;
  for (size_t i = 0;
       rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
       ++i) {
    out.emplace_back(name, value != nullptr
                               ? std::string_view(static_cast<const char*>(value), size)
                               : std::string_view());
  }
  return out;
}

}  // namespace hbsync::kafka::detail
