// A private redis-server for one test: started in the constructor, killed in
// the destructor. stop()/start() keep the port, so a test can take Redis away
// under a client and bring it back where the client expects it.
#pragma once

#include <cstdint>
#include <string>

#include "hbsync/testing/process.hpp"

namespace hbsync::testing {

class RedisServer {
 public:
  // port 0 picks a free one. A non-empty password starts it with
  // --requirepass. Throws std::runtime_error (naming the log file) when it
  // does not answer PING within 10 s.
  explicit RedisServer(uint16_t port = 0, std::string password = {});
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  // redis://[:password@]127.0.0.1:<port>/0
  std::string url() const;
  uint16_t port() const { return port_; }
  std::string log_path() const { return dir_ + "/redis.log"; }
  bool running() { return process_.running(); }

  // SIGTERM (no persistence, so shutdown is immediate), SIGKILL after 5 s.
  void stop();
  // Starts on the same port; returns once it answers PING.
  void start();
  void restart();

  // ---- snapshots: Redis coming back with older data ----------------------
  // (RDB files; the server itself runs without persistence, so nothing is
  // saved unless a test asks.)
  // SAVE, then a copy of the RDB file at `path`; returns `path`. Throws
  // std::runtime_error when the server does not confirm the save.
  std::string snapshot(const std::string& path);
  // Kills the server (SIGKILL: nothing saved on the way down), puts the RDB
  // file at `path` in its place and starts it on the same port: what a crash
  // and a restart from an older snapshot (or a restore) does. Returns once it
  // answers PING with the snapshot loaded.
  void restart_from(const std::string& path);

  // ---- faults: a hung or wiped Redis ----------------------------------------
  // SIGSTOP: connections stay open, nothing is answered (a hung server).
  void pause();
  // SIGCONT after pause().
  void resume();
  // Stops and starts again empty on the same port (a Redis without
  // persistence restarted): every key is gone.
  void wipe();

 private:
  void spawn();

  uint16_t port_;
  bool chosen_port_;  // picked by us and never yet used, so it may be re-picked
  std::string password_;
  std::string dir_;
  Process process_;
};

}  // namespace hbsync::testing
