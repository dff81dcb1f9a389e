// The HTTP/1.1 server every service and simulator uses (plain HTTP: TLS is
// terminated by the platform in front of it).
//
// One session per connection on its own strand: read with header/body
// limits and timeouts, dispatch through the Router, write, keep alive.
// Errors are answered with JSON bodies {"error": "..."}: 400 malformed or
// ambiguous framing (no Host in HTTP/1.1, a Transfer-Encoding other than a
// lone "chunked", a repeated Host/Content-Length/Content-Type/Authorization),
// 501 a transfer coding other than chunked, 408 headers or body not complete
// in time, 413 body too large, 431 headers too large (those close the
// connection and are logged with their reason), 500 handler threw, 503
// handler timed out. 204 and 304 go out without a body; a status outside
// 200-599 is replaced by 500.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "hbsync/http/message.hpp"
#include "hbsync/http/router.hpp"

namespace hbsync::http {

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;  // 0 = ephemeral, see Server::port()
  int threads = 2;
  size_t header_limit = 8 * 1024;
  size_t body_limit = 1024 * 1024;
  // A connection waits at most idle_timeout for the first byte of a request
  // (its first one or the next on a keep-alive connection), then closes
  // silently. From that byte the headers must be complete within
  // header_timeout, then the body within body_timeout; otherwise the client
  // gets 408 and the connection closes.
  std::chrono::milliseconds idle_timeout{5000};
  std::chrono::milliseconds header_timeout{3000};
  std::chrono::milliseconds body_timeout{10000};
  std::chrono::milliseconds write_timeout{10000};
  std::chrono::milliseconds handler_timeout{30000};  // responder not called in time -> 503
  // Open connections. At the cap a new connection closes the connection
  // that has been idle longest (no byte of a request yet) and takes its
  // place; only when none is idle is the new connection closed at accept.
  size_t max_connections = 10000;
  std::string server_name = "hbsync";  // Server header
};

// Called on an io thread after each response is written (also for 4xx
// answered before routing, with route "unmatched"). `route` is a registered
// pattern or "unmatched"; `method` is as received (any token the client
// sent, "" if the request line did not parse), so an observer that makes
// labels of it must map it onto a closed set. Keep it cheap.
using RequestObserver = std::function<void(const std::string& route, const std::string& method,
                                           int status, double seconds)>;

class Server {
 public:
  Server(ServerOptions options, Router router);
  ~Server();  // shutdown(0) if still running
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Before start() only.
  void set_observer(RequestObserver observer);
  Router& router();

  // Binds, listens and runs its own io threads. Raises the RLIMIT_NOFILE soft
  // limit to the hard limit when it is below max_connections. Throws
  // std::runtime_error naming the address when binding fails.
  void start();
  uint16_t port() const;  // the bound port (useful with port 0)

  // SIGTERM step 1: close the acceptor; existing connections continue.
  void stop_accepting();
  // SIGTERM step 2: stop accepting, close idle keep-alive connections, let
  // requests already being read or handled finish (their responses carry
  // Connection: close), then stop the io threads. Connections still open at
  // the deadline are closed. Returns true if everything drained in time.
  bool shutdown(std::chrono::milliseconds drain_timeout);

  size_t active_connections() const;
  size_t idle_connections() const;        // waiting for the first byte of a request
  size_t in_flight() const;               // requests dispatched but not yet written
  uint64_t accepted_connections() const;  // total since start (tests, metrics)
  uint64_t evicted_connections() const;   // idle ones closed to admit a new one
  uint64_t refused_connections() const;   // closed at accept: cap reached, none idle

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace hbsync::http
