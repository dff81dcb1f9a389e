// Test helpers for the server tests: a raw-socket client and polling.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

#include "hbsync/testing/wait.hpp"

namespace hbsync::http::testsupport {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A blocking TCP client that speaks raw bytes, for what a well-behaved HTTP
// client cannot do: send nothing, send garbage, send slowly.
class RawConnection {
 public:
  explicit RawConnection(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~RawConnection() { close(); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return connected_; }

  // The client's side closes; a server lingering after an early answer sees
  // the end of stream and lets go of the connection.
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  bool send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // One response (headers + Content-Length body); "" on timeout or close.
  std::string read_response(std::chrono::milliseconds timeout = 3000ms) {
    auto deadline = Clock::now() + timeout;
    for (;;) {
      size_t header_end = buffer_.find("\r\n\r\n");
      if (header_end != std::string::npos) {
        size_t length = 0;
        std::string head = buffer_.substr(0, header_end);
        for (auto& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (size_t cl = head.find("content-length:"); cl != std::string::npos) {
          length = std::stoul(head.substr(cl + 15));
        }
        size_t total = header_end + 4 + length;
        if (buffer_.size() >= total) {
          std::string response = buffer_.substr(0, total);
          buffer_.erase(0, total);
          return response;
        }
      }
      if (!read_some(deadline)) return {};
    }
  }

  // Whatever arrived, without waiting.
  std::string take_buffer() { return std::exchange(buffer_, {}); }

  // True if the server has closed the connection (reads what arrived, never waits).
  bool closed_now() {
    for (;;) {
      pollfd p{fd_, POLLIN, 0};
      if (closed_ || ::poll(&p, 1, 0) <= 0) return closed_;
      char buf[8192];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        closed_ = true;
      } else {
        buffer_.append(buf, static_cast<size_t>(n));
      }
    }
  }

  // True if the server closed the connection within the timeout.
  bool wait_closed(std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    while (read_some(deadline)) {
    }
    return closed_;
  }

 private:
  bool read_some(Clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char buf[8192];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      closed_ = true;
      return false;
    }
    buffer_.append(buf, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
  std::string buffer_;
};

// Counters change on the server's io threads just after the client saw the
// response, so tests wait for them (the one polling helper, libs/testing).
inline bool eventually(const std::function<bool()>& predicate,
                       std::chrono::milliseconds timeout = 2000ms) {
  return hbsync::testing::wait_until(predicate, timeout, 5ms);
}

inline int status_of(const std::string& raw) {
  if (raw.size() < 12) return 0;
  return std::stoi(raw.substr(9, 3));
}

inline std::string body_of(const std::string& raw) {
  size_t end = raw.find("\r\n\r\n");
  return end == std::string::npos ? "" : raw.substr(end + 4);
}

}  // namespace hbsync::http::testsupport
