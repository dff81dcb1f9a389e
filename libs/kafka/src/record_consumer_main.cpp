// hbsync-kafka-test-consumer: test helper. Consumes one topic in a group and
// appends "partition offset key" to a file for every message before its
// handler returns done, so a test that SIGKILLs it can compare what was
// processed with what the group committed.
#include <fcntl.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "hbsync/config/config.hpp"
#include "hbsync/kafka/consumer.hpp"
#include "hbsync/log/log.hpp"
#include "hbsync/shutdown/signals.hpp"

using namespace hbsync;

int main(int argc, char** argv) {
  shutdown::block_signals();

  config::Loader loader("hbsync-kafka-test-consumer",
                        "Test helper: consumes a topic and records each processed message", argc,
                        argv);
  auto client = kafka::ClientOptions::load(loader, "hbsync-kafka-test-consumer");
  std::string topic = loader.str("HBSYNC_TEST_TOPIC", "sync.commands", "Topic to consume");
  std::string record_file =
      loader.required_str("HBSYNC_TEST_RECORD_FILE", "File that gets one line per message");
  auto delay = loader.duration("HBSYNC_TEST_HANDLER_DELAY", "0ms", "Time each message takes");
  auto options = kafka::ConsumerOptions::load(loader, client, "hbsync-test", {topic});
  loader.finish();
  log::init("hbsync-kafka-test-consumer", log::Level::info);

  int fd = ::open(record_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd < 0) {
    log::error("cannot open record file");
    return 1;
  }
  kafka::Consumer consumer(options, [&](const kafka::Message& m) {
    if (delay.count() > 0) std::this_thread::sleep_for(delay);
    // One write(2) per line: after a SIGKILL the file holds whole lines only.
    std::string line = std::to_string(m.partition) + " " + std::to_string(m.offset) + " " +
                       std::string(m.key) + "\n";
    if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
      return kafka::HandlerResult::retry;
    }
    return kafka::HandlerResult::done;
  });
  std::thread signal_thread([&] {
    shutdown::wait();
    consumer.stop();
  });
  signal_thread.detach();
  consumer.run();
  ::close(fd);
  return 0;
}
