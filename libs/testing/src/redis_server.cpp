#include "hbsync/testing/redis_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>

namespace hbsync::testing {
namespace {

std::string find_redis_server() {
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    const std::string candidate = dirs.substr(start, end - start) + "/redis-server";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  throw std::runtime_error("RedisServer: redis-server not found on PATH");
}

// A raw PING rather than hiredis keeps the testing library free of the
// driver it is used to test. Any reply counts: with --requirepass the answer
// is -NOAUTH, which still proves the server is accepting commands.
bool answers_ping(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  timeval tv{0, 200'000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  bool ok = false;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    static constexpr char ping[] = "PING\r\n";
    char reply[64];
    ok = ::send(fd, ping, sizeof ping - 1, MSG_NOSIGNAL) == sizeof ping - 1 &&
         ::recv(fd, reply, sizeof reply, 0) > 0;
  }
  ::close(fd);
  return ok;
}

}  // namespace

RedisServer::RedisServer(uint16_t port, std::string password)
    : port_(port), chosen_port_(port == 0), password_(std::move(password)) {
  std::string pattern = (std::filesystem::temp_directory_path() / "hbsync-redis-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("RedisServer: mkdtemp failed");
  dir_ = pattern;
  if (chosen_port_) port_ = free_port();
  start();
}

RedisServer::~RedisServer() {
  process_.kill_hard();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string RedisServer::url() const {
  const std::string auth = password_.empty() ? "" : ":" + password_ + "@";
  return "redis://" + auth + "127.0.0.1:" + std::to_string(port_) + "/0";
}

void RedisServer::spawn() {
  std::vector<std::string> argv = {find_redis_server(),
                                   "--port",
                                   std::to_string(port_),
                                   "--bind",
                                   "127.0.0.1",
                                   "--save",
                                   "",
                                   "--appendonly",
                                   "no",
                                   "--daemonize",
                                   "no",
                                   "--dir",
                                   dir_,
                                   "--logfile",
                                   ""};
  if (!password_.empty()) {
    argv.push_back("--requirepass");
    argv.push_back(password_);
  }
  process_ = Process(argv, {}, log_path());
}

void RedisServer::start() {
  if (process_.running()) return;
  // free_port() races with other processes; a port we picked ourselves may be
  // re-picked, a port the test asked for may not (it expects that one).
  for (int tries = 0; tries < 3; ++tries) {
    spawn();
    const bool up = wait_until([&] { return !process_.running() || answers_ping(port_); },
                               std::chrono::seconds(10));
    if (up && process_.running()) {
      chosen_port_ = false;  // from now on clients expect this port
      return;
    }
    process_.kill_hard();
    if (!chosen_port_) break;
    port_ = free_port();
  }
  throw std::runtime_error("RedisServer: redis-server did not start; see " + log_path());
}

void RedisServer::stop() {
  process_.signal(SIGTERM);
  if (!process_.wait(std::chrono::seconds(5))) process_.kill_hard();
}

void RedisServer::restart() {
  stop();
  start();
}

// ---- faults ------------------------------------------------------------------

void RedisServer::pause() {
  process_.signal(SIGSTOP);
}

void RedisServer::resume() {
  process_.signal(SIGCONT);
}

void RedisServer::wipe() {
  // A stopped (paused) process takes SIGTERM only once continued.
  process_.signal(SIGCONT);
  process_.kill_hard();
  start();
}

}  // namespace hbsync::testing
