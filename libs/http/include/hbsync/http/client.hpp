// The one HTTP client: services calling HubSpot and board, simulators
// delivering webhooks. Synchronous and thread-safe; keeps idle keep-alive
// connections per scheme+host+port.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "hbsync/http/message.hpp"

namespace hbsync::http {

// Members carry {} initializers so designated initializers that omit them
// do not trip -Wmissing-field-initializers (g++ 12, -Wextra).
struct ClientOptions {
  std::chrono::milliseconds connect_timeout{5000};   // resolve + TCP connect + TLS handshake
  std::chrono::milliseconds request_timeout{30000};  // whole send(), connecting included
  size_t max_idle_per_host = 8;
  std::chrono::milliseconds max_idle_time{30000};  // idle connections older than this are dropped
  bool verify_tls = true;
  std::string ca_file{};  // PEM bundle; empty = system default trust store
  std::string user_agent = "hbsync/0.1";
  size_t max_response_body = 64 * 1024 * 1024;
};

struct ClientRequest {
  std::string method = "GET";
  std::string url{};  // http://host:port/path?q or https://...
  Headers headers{};  // Host, User-Agent and Content-Length are set unless given
  std::string body{};
  std::optional<std::chrono::milliseconds> timeout{};  // overrides request_timeout
};

struct ClientResponse {
  int status = 0;
  Headers headers{};
  std::string body{};
};

// connect: the request was certainly not sent (refused, unreachable, connect
// timeout), so it is safe to retry any method. timeout / closed / protocol:
// the server may have acted on it.
enum class ErrorKind { none, invalid_url, resolve, connect, tls, timeout, protocol, closed };
std::string_view to_string(ErrorKind kind);

struct ClientResult {
  ErrorKind error = ErrorKind::none;
  std::string error_message{};
  ClientResponse response{};  // valid when ok(); any HTTP status counts as ok
  bool ok() const { return error == ErrorKind::none; }
};

class Client {
 public:
  // Throws std::runtime_error if the TLS trust store (ca_file) cannot be loaded.
  explicit Client(ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Never throws for network problems: they come back as ClientResult.error.
  // A reused keep-alive connection that turns out closed before any response
  // byte arrived is retried once on a fresh connection.
  ClientResult send(const ClientRequest& request);

  size_t idle_connections() const;  // across hosts (tests)

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace hbsync::http
