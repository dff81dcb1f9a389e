#include "hbsync/testing/kafka_lag.hpp"

#include <librdkafka/rdkafka.h>

#include <memory>

namespace hbsync::testing {
namespace {

constexpr int kTimeoutMs = 5000;

using Handle = std::unique_ptr<rd_kafka_t, void (*)(rd_kafka_t*)>;
using Partitions =
    std::unique_ptr<rd_kafka_topic_partition_list_t, void (*)(rd_kafka_topic_partition_list_t*)>;

// A consumer handle of `group` that never subscribes: only asks the broker.
Handle probe(const std::string& bootstrap, const std::string& group) {
  char err[256];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof err);
  rd_kafka_conf_set(conf, "group.id", group.c_str(), err, sizeof err);
  rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (rk == nullptr) rd_kafka_conf_destroy(conf);
  return Handle(rk, [](rd_kafka_t* h) {
    if (h != nullptr) rd_kafka_destroy(h);
  });
}

std::optional<int> partition_count(rd_kafka_t* rk, const std::string& topic) {
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_topic_t* t = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  std::optional<int> count;
  if (rd_kafka_metadata(rk, 0, t, &md, kTimeoutMs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      count = md->topics[0].partition_cnt;
    }
    rd_kafka_metadata_destroy(md);
  }
  rd_kafka_topic_destroy(t);
  return count;
}

}  // namespace

std::optional<int64_t> group_lag(const std::string& bootstrap, const std::string& group,
                                 const std::string& topic) {
  Handle rk = probe(bootstrap, group);
  if (!rk) return std::nullopt;
  auto partitions = partition_count(rk.get(), topic);
  if (!partitions) return std::nullopt;
  Partitions list(rd_kafka_topic_partition_list_new(*partitions),
                  rd_kafka_topic_partition_list_destroy);
  for (int p = 0; p < *partitions; ++p) {
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p);
  }
  if (rd_kafka_committed(rk.get(), list.get(), kTimeoutMs) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return std::nullopt;
  }
  int64_t lag = 0;
  for (int i = 0; i < list->cnt; ++i) {
    int64_t low = 0, high = 0;
    if (rd_kafka_query_watermark_offsets(rk.get(), topic.c_str(), list->elems[i].partition, &low,
                                         &high, kTimeoutMs) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return std::nullopt;
    }
    int64_t committed = list->elems[i].offset;
    lag += high - (committed >= 0 ? committed : low);
  }
  return lag;
}

}  // namespace hbsync::testing
