// The HTTP/1.1 server every service and simulator uses (plain HTTP: TLS is
// terminated by the platform in front of it).
//
// One session per connection on its own strand: read with header/body
// limits and a whole-request deadline, dispatch through the Router, write,
// keep alive. Errors are answered with JSON bodies {"error": "..."}:
// 400 malformed, 413 body too large, 431 headers too large (those three close
// the connection), 500 handler threw, 503 handler timed out. 204 and 304 go
// out without a body; a status outside 200-599 is replaced by 500.
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
  // The whole request (headers and body) must arrive within this, counted
  // from the connection (first request) or from its first byte (later
  // requests); slow clients are dropped without a response.
  std::chrono::milliseconds read_timeout{10000};
  std::chrono::milliseconds idle_timeout{60000};  // keep-alive wait for the next request
  std::chrono::milliseconds write_timeout{10000};
  std::chrono::milliseconds handler_timeout{30000};  // responder not called in time -> 503
  size_t max_connections = 10000;                    // further connections are closed at accept
  std::string server_name = "hbsync";                // Server header
};

// Called on an io thread after each response is written (also for 4xx
// answered before routing, with route "unmatched"). Keep it cheap.
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
  size_t in_flight() const;               // requests dispatched but not yet written
  uint64_t accepted_connections() const;  // total since start (tests, metrics)

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace hbsync::http
