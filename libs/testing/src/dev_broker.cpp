#include "hbsync/testing/dev_broker.hpp"

#include <signal.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "hbsync/http/client.hpp"

namespace hbsync::testing {
namespace {

std::string read_first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

}  // namespace

DevBroker::DevBroker(int brokers, int partitions) {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "hbsync-kafka-dev-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("DevBroker: mkdtemp failed");
  dir_ = pattern;
  const std::string bootstrap_file = dir_ + "/bootstrap";
  const std::string control_file = dir_ + "/control";
  process_ = Process({bin_path("hbsync-kafka-dev")},
                     {{"HBSYNC_KAFKA_DEV_BROKERS", std::to_string(brokers)},
                      {"HBSYNC_KAFKA_DEV_PARTITIONS", std::to_string(partitions)},
                      {"HBSYNC_KAFKA_DEV_BOOTSTRAP_FILE", bootstrap_file},
                      {"HBSYNC_KAFKA_DEV_CONTROL_FILE", control_file},
                      {"HBSYNC_KAFKA_DEV_CONTROL_PORT", "0"}},
                     log_path());
  // The bootstrap file is written last, after the control file.
  bool up =
      wait_until([&] { return !process_.running() || std::filesystem::exists(bootstrap_file); },
                 std::chrono::seconds(15));
  if (!up || !std::filesystem::exists(bootstrap_file)) {
    process_.kill_hard();
    throw std::runtime_error("DevBroker: hbsync-kafka-dev did not start; see " + log_path());
  }
  bootstrap_ = read_first_line(bootstrap_file);
  control_url_ = read_first_line(control_file);
}

DevBroker::~DevBroker() {
  process_.signal(SIGTERM);
  if (!process_.wait(std::chrono::seconds(5))) process_.kill_hard();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

void DevBroker::control(const std::string& path) {
  // A fresh client per call keeps DevBroker free of connection state; these
  // calls are rare.
  http::Client client;
  http::ClientRequest request;
  request.method = "POST";
  request.url = control_url_ + path;
  request.timeout = std::chrono::seconds(10);
  auto result = client.send(request);
  if (!result.ok() || result.response.status != 200) {
    throw std::runtime_error(
        "DevBroker: POST " + path + " failed: " +
        (result.ok() ? std::to_string(result.response.status) : result.error_message));
  }
}

void DevBroker::broker_down(int id) {
  control("/brokers/" + std::to_string(id) + "/down");
}
void DevBroker::broker_up(int id) {
  control("/brokers/" + std::to_string(id) + "/up");
}
void DevBroker::all_down() {
  control("/brokers/all/down");
}
void DevBroker::all_up() {
  control("/brokers/all/up");
}

}  // namespace hbsync::testing
