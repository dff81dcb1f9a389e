// Helpers shared by the Kafka integration tests.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "hbsync/kafka/consumer.hpp"
#include "hbsync/kafka/producer.hpp"
#include "hbsync/testing/dev_broker.hpp"

namespace hbsync::kafka::test {

ClientOptions client_options(const testing::DevBroker& broker, const std::string& client_id);
ProducerOptions producer_options(const testing::DevBroker& broker,
                                 std::chrono::milliseconds delivery_timeout);
// Short session timeout and commit interval, and quick retries, so that
// tests finish in seconds.
ConsumerOptions consumer_options(const testing::DevBroker& broker, const std::string& group,
                                 std::vector<std::string> topics);

// The group's committed offset per partition (-1 when none).
std::map<int32_t, int64_t> committed_offsets(const std::string& bootstrap, const std::string& group,
                                             const std::string& topic, int partitions);

// Five deliveries at most, delays up to 50, 100, 200, 400 ms (jittered).
retry::Policy fast_retry_policy();

// A Consumer running on its own thread until stop() or destruction.
class ConsumerThread {
 public:
  ConsumerThread(ConsumerOptions options, Handler handler);
  ~ConsumerThread();
  // Asks the consumer to stop and waits for run() to return.
  void stop();
  Consumer& consumer() { return *consumer_; }

 private:
  std::unique_ptr<Consumer> consumer_;
  std::thread thread_;
};

}  // namespace hbsync::kafka::test
