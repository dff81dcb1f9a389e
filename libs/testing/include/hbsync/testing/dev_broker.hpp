// A private dev Kafka cluster (hbsync-kafka-dev, librdkafka's mock brokers)
// for one test: started in the constructor, stopped in the destructor.
#pragma once

#include <memory>
#include <string>

#include "hbsync/testing/process.hpp"

namespace hbsync::testing {

class DevBroker {
 public:
  // Starts bin_path("hbsync-kafka-dev") with every project topic created
  // with `partitions` partitions. Throws std::runtime_error (naming the
  // broker's log file) when it is not ready within 15 s.
  explicit DevBroker(int brokers = 3, int partitions = 6);
  // SIGTERM, then SIGKILL if it does not exit within 5 s.
  ~DevBroker();
  DevBroker(const DevBroker&) = delete;
  DevBroker& operator=(const DevBroker&) = delete;

  std::string bootstrap() const { return bootstrap_; }
  std::string control_url() const { return control_url_; }
  std::string log_path() const { return dir_ + "/kafka-dev.log"; }

  // Mock broker ids are 1..brokers. Throw std::runtime_error when the
  // control API does not answer 200.
  void broker_down(int id);
  void broker_up(int id);
  void all_down();
  void all_up();

 private:
  void control(const std::string& path);

  std::string dir_;
  Process process_;
  std::string bootstrap_;
  std::string control_url_;
};

}  // namespace hbsync::testing
