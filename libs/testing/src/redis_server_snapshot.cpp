// RedisServer's snapshot methods (redis_server.hpp): SAVE to an RDB file, and
// a restart from an older one.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>
#include <vector>

#include "hbsync/testing/redis_server.hpp"

namespace hbsync::testing {
namespace {

// One command over a raw socket (the testing library stays free of the Redis
// driver it tests), AUTH first when there is a password. Returns the first
// line of the last reply ("+OK", "-LOADING ..."), "" when there is none.
std::string raw_command(uint16_t port, const std::string& password,
                        const std::vector<std::string>& args, int timeout_s) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return {};
  timeval tv{timeout_s, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  std::string last;
  auto resp = [](const std::vector<std::string>& a) {
    std::string out = "*" + std::to_string(a.size()) + "\r\n";
    for (const auto& s : a) out += "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n";
    return out;
  };
  auto exchange = [&](const std::vector<std::string>& a) {
    const std::string out = resp(a);
    if (::send(fd, out.data(), out.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(out.size())) {
      return std::string();
    }
    std::string line;
    char c = 0;
    while (::recv(fd, &c, 1, 0) == 1 && c != '\n') {
      if (c != '\r') line += c;
    }
    return line;
  };
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    if (password.empty() || exchange({"AUTH", password}) == "+OK") last = exchange(args);
  }
  ::close(fd);
  return last;
}

}  // namespace

std::string RedisServer::snapshot(const std::string& path) {
  const std::string reply = raw_command(port_, password_, {"SAVE"}, 30);
  if (reply != "+OK") throw std::runtime_error("RedisServer: SAVE answered '" + reply + "'");
  std::filesystem::copy_file(dir_ + "/dump.rdb", path,
                             std::filesystem::copy_options::overwrite_existing);
  return path;
}

void RedisServer::restart_from(const std::string& path) {
  process_.kill_hard();
  std::filesystem::copy_file(path, dir_ + "/dump.rdb",
                             std::filesystem::copy_options::overwrite_existing);
  start();
  // PING answers -LOADING while the file is read.
  const bool loaded =
      wait_until([&] { return raw_command(port_, password_, {"PING"}, 1) == "+PONG"; },
                 std::chrono::seconds(10));
  if (!loaded) throw std::runtime_error("RedisServer: snapshot not loaded; see " + log_path());
}

}  // namespace hbsync::testing
