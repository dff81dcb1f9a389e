// Test support: child processes, free ports and waiting, for the suites that
// run real binaries (redis-server, the dev broker, the services).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "hbsync/testing/wait.hpp"

namespace hbsync::testing {

// A port that was free a moment ago on 127.0.0.1 (bind to 0, read, close).
uint16_t free_port();

// Directory with the project's binaries (HBSYNC_BIN_DIR, set by ctest).
std::string bin_dir();
// Path of a project binary, e.g. bin_path("hbsync-kafka-dev").
std::string bin_path(const std::string& name);

// Values written by the ctest fixture (tests/fixtures/test-env.sh) to
// HBSYNC_TEST_ENV_FILE: REDIS_URL, KAFKA_BROKERS, ...
std::optional<std::string> fixture_value(const std::string& key);

// A child process, killed (SIGKILL) when destroyed unless it already exited.
// Its stdout and stderr go to `log_file` when given, else are inherited.
class Process {
 public:
  Process() = default;
  Process(std::vector<std::string> argv, std::map<std::string, std::string> extra_env = {},
          std::string log_file = {});
  ~Process();
  Process(Process&& other) noexcept;
  Process& operator=(Process&& other) noexcept;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  void signal(int sig);
  // Waits for exit; returns the exit code (128 + signal when killed), or
  // nullopt when it did not exit in time.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  void kill_hard();  // SIGKILL and reap

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
};

}  // namespace hbsync::testing
