#include "test_support.hpp"

#include <librdkafka/rdkafka.h>

#include <stdexcept>

namespace hbsync::kafka::test {

ClientOptions client_options(const testing::DevBroker& broker, const std::string& client_id) {
  ClientOptions o;
  o.brokers = broker.bootstrap();
  o.client_id = client_id;
  return o;
}

ProducerOptions producer_options(const testing::DevBroker& broker,
                                 std::chrono::milliseconds delivery_timeout) {
  ProducerOptions o;
  o.client = client_options(broker, "test-producer");
  o.delivery_timeout = delivery_timeout;
  return o;
}

ConsumerOptions consumer_options(const testing::DevBroker& broker, const std::string& group,
                                 std::vector<std::string> topics) {
  ConsumerOptions o;
  o.client = client_options(broker, "test-consumer");
  o.group_id = group;
  o.topics = std::move(topics);
  o.commit_interval = std::chrono::milliseconds(200);
  o.session_timeout = std::chrono::milliseconds(3000);
  o.retry = fast_retry_policy();
  return o;
}

std::map<int32_t, int64_t> committed_offsets(const std::string& bootstrap, const std::string& group,
                                             const std::string& topic, int partitions) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof err);
  rd_kafka_conf_set(conf, "group.id", group.c_str(), err, sizeof err);
  rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (rk == nullptr) throw std::runtime_error(err);
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p) rd_kafka_topic_partition_list_add(list, topic.c_str(), p);
  rd_kafka_resp_err_t rc = rd_kafka_committed(rk, list, 10000);
  std::map<int32_t, int64_t> out;
  for (int i = 0; i < list->cnt; ++i) {
    out[list->elems[i].partition] = list->elems[i].offset < 0 ? -1 : list->elems[i].offset;
  }
  rd_kafka_topic_partition_list_destroy(list);
  rd_kafka_destroy(rk);
  if (rc != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw std::runtime_error(std::string("committed offsets: ") + rd_kafka_err2str(rc));
  }
  return out;
}

retry::Policy fast_retry_policy() {
  retry::Policy p;
  p.max_attempts = 5;
  p.initial_delay = std::chrono::milliseconds(50);
  p.max_delay = std::chrono::milliseconds(400);
  p.max_elapsed = std::chrono::milliseconds(60000);
  return p;
}

ConsumerThread::ConsumerThread(ConsumerOptions options, Handler handler)
    : consumer_(std::make_unique<Consumer>(std::move(options), std::move(handler))),
      thread_([this] { consumer_->run(); }) {}

ConsumerThread::~ConsumerThread() {
  stop();
}

void ConsumerThread::stop() {
  consumer_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace hbsync::kafka::test
