#include "hbsync/http/client.hpp"

#include <poll.h>

#include <algorithm>
#include <future>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace hbsync::http {
namespace {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

std::string_view sv(beast::string_view s) {
  return {s.data(), s.size()};
}

bool is_ip_literal(const std::string& host) {
  beast::error_code ec;
  net::ip::make_address(host, ec);
  return !ec;
}

// Each connection owns a small io_context that the calling thread runs for
// the duration of one operation: send() stays synchronous, yet every step
// gets a deadline through beast::tcp_stream, and no I/O thread is needed.
struct Connection {
  Connection(const ParsedUrl& url, ssl::context* tls_context) {
    if (tls_context) {
      tls.emplace(ioc, *tls_context);
    } else {
      plain.emplace(ioc);
    }
    key = url.scheme + "://" + url.host + ":" + std::to_string(url.port);
  }

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }

  // Runs the io_context until the operation started by `start` completed.
  template <class Start>
  beast::error_code run(Start&& start) {
    beast::error_code result = net::error::would_block;
    start([&result](beast::error_code ec, auto&&...) { result = ec; });
    ioc.restart();
    ioc.run();
    return result;
  }

  // The peer closed (or sent something unsolicited) while the connection sat
  // in the pool: readable with no request outstanding means it is unusable.
  bool looks_alive() {
    pollfd p{};
    p.fd = lowest().socket().native_handle();
    p.events = POLLIN;
    return ::poll(&p, 1, 0) == 0;
  }

  net::io_context ioc{1};
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  std::string key;
  Clock::time_point last_used;
};

ClientResult failure(ErrorKind kind, std::string message) {
  ClientResult r;
  r.error = kind;
  r.error_message = std::move(message);
  return r;
}

bool is_http_error(const beast::error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category();
}

}  // namespace

std::string_view to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::none:
      return "none";
    case ErrorKind::invalid_url:
      return "invalid_url";
    case ErrorKind::resolve:
      return "resolve";
    case ErrorKind::connect:
      return "connect";
    case ErrorKind::tls:
      return "tls";
    case ErrorKind::timeout:
      return "timeout";
    case ErrorKind::protocol:
      return "protocol";
    case ErrorKind::closed:
      return "closed";
  }
  return "unknown";
}

struct Client::Impl {
  explicit Impl(ClientOptions opts)
      : options(std::move(opts)), tls_context(ssl::context::tls_client) {
    tls_context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                            ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                            ssl::context::no_tlsv1_1);
    if (options.verify_tls) {
      tls_context.set_verify_mode(ssl::verify_peer);
      beast::error_code ec;
      if (options.ca_file.empty()) {
        tls_context.set_default_verify_paths(ec);
      } else {
        tls_context.load_verify_file(options.ca_file, ec);
      }
      if (ec) {
        throw std::runtime_error(
            "http client: cannot load TLS trust store '" +
            (options.ca_file.empty() ? std::string("system default") : options.ca_file) +
            "': " + ec.message());
      }
    } else {
      tls_context.set_verify_mode(ssl::verify_none);
    }
  }

  ~Impl() {
    if (resolve_thread.joinable()) {
      resolve_work.reset();
      resolve_ioc.stop();
      resolve_thread.join();
    }
  }

  ClientResult send(const ClientRequest& request);
  std::unique_ptr<Connection> take_idle(const std::string& key);
  void put_idle(std::unique_ptr<Connection> connection);
  ClientResult connect(const ParsedUrl& url, Clock::time_point deadline,
                       std::unique_ptr<Connection>& out);
  std::optional<tcp::resolver::results_type> resolve(const ParsedUrl& url,
                                                     Clock::time_point deadline,
                                                     ClientResult& error);
  ClientResult exchange(Connection& c, const ParsedUrl& url, const ClientRequest& request,
                        Clock::time_point deadline, bool& nothing_received, bool& reusable);

  ClientOptions options;
  ssl::context tls_context;

  mutable std::mutex pool_mutex;
  std::unordered_map<std::string, std::vector<std::unique_ptr<Connection>>> idle;

  // Name resolution needs a thread (getaddrinfo blocks); one shared resolver
  // thread, started on first use, keeps that cost out of every connection.
  std::once_flag resolve_started;
  net::io_context resolve_ioc;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> resolve_work;
  std::thread resolve_thread;
};

std::unique_ptr<Connection> Client::Impl::take_idle(const std::string& key) {
  std::vector<std::unique_ptr<Connection>> stale;
  std::unique_ptr<Connection> found;
  {
    std::lock_guard lock(pool_mutex);
    auto it = idle.find(key);
    if (it == idle.end()) return nullptr;
    auto& list = it->second;
    auto now = Clock::now();
    while (!list.empty()) {
      auto c = std::move(list.back());
      list.pop_back();
      if (now - c->last_used < options.max_idle_time && c->looks_alive()) {
        found = std::move(c);
        break;
      }
      stale.push_back(std::move(c));
    }
  }
  // `stale` is destroyed here, outside the lock: closing sockets takes time.
  return found;
}

void Client::Impl::put_idle(std::unique_ptr<Connection> connection) {
  connection->lowest().expires_never();
  connection->last_used = Clock::now();
  std::unique_ptr<Connection> evicted;
  std::lock_guard lock(pool_mutex);
  auto& list = idle[connection->key];
  if (list.size() >= options.max_idle_per_host) {
    evicted = std::move(list.front());
    list.erase(list.begin());
  }
  list.push_back(std::move(connection));
}

std::optional<tcp::resolver::results_type> Client::Impl::resolve(const ParsedUrl& url,
                                                                 Clock::time_point deadline,
                                                                 ClientResult& error) {
  std::string service = std::to_string(url.port);
  if (is_ip_literal(url.host)) {
    return tcp::resolver::results_type::create(
        tcp::endpoint(net::ip::make_address(url.host), url.port), url.host, service);
  }
  std::call_once(resolve_started, [this]() {
    resolve_work.emplace(net::make_work_guard(resolve_ioc));
    resolve_thread = std::thread([this]() { resolve_ioc.run(); });
  });
  using Outcome = std::pair<beast::error_code, tcp::resolver::results_type>;
  auto resolver = std::make_shared<tcp::resolver>(resolve_ioc);
  auto promise = std::make_shared<std::promise<Outcome>>();
  auto future = promise->get_future();
  net::post(resolve_ioc, [resolver, promise, host = url.host, service]() {
    resolver->async_resolve(
        host, service,
        [resolver, promise](beast::error_code ec, tcp::resolver::results_type results) {
          promise->set_value({ec, std::move(results)});
        });
  });
  if (future.wait_until(deadline) != std::future_status::ready) {
    net::post(resolve_ioc, [resolver]() { resolver->cancel(); });
    error = failure(ErrorKind::resolve, "resolving " + url.host + " timed out");
    return std::nullopt;
  }
  auto [ec, results] = future.get();
  if (ec || results.empty()) {
    error = failure(ErrorKind::resolve, "cannot resolve " + url.host + ": " +
                                            (ec ? ec.message() : std::string("no addresses")));
    return std::nullopt;
  }
  return results;
}

ClientResult Client::Impl::connect(const ParsedUrl& url, Clock::time_point deadline,
                                   std::unique_ptr<Connection>& out) {
  auto connect_deadline = std::min(deadline, Clock::now() + options.connect_timeout);
  ClientResult error;
  auto endpoints = resolve(url, connect_deadline, error);
  if (!endpoints) return error;

  bool https = url.scheme == "https";
  auto c = std::make_unique<Connection>(url, https ? &tls_context : nullptr);
  std::string where = url.host + ":" + std::to_string(url.port);

  c->lowest().expires_at(connect_deadline);
  auto ec = c->run([&](auto handler) { c->lowest().async_connect(*endpoints, handler); });
  if (ec == beast::error::timeout) {
    // Reported as connect, not timeout: nothing was sent, so any retry is safe.
    return failure(ErrorKind::connect, "connect to " + where + " timed out");
  }
  if (ec) return failure(ErrorKind::connect, "connect to " + where + ": " + ec.message());
  beast::error_code ignored;
  c->lowest().socket().set_option(tcp::no_delay(true), ignored);

  if (https) {
    auto& stream = *c->tls;
    if (!is_ip_literal(url.host) &&
        !SSL_set_tlsext_host_name(stream.native_handle(), url.host.c_str())) {
      return failure(ErrorKind::tls, "cannot set TLS SNI for " + url.host);
    }
    if (options.verify_tls) stream.set_verify_callback(ssl::host_name_verification(url.host));
    c->lowest().expires_at(connect_deadline);
    ec = c->run([&](auto handler) { stream.async_handshake(ssl::stream_base::client, handler); });
    if (ec == beast::error::timeout) {
      return failure(ErrorKind::connect, "TLS handshake with " + where + " timed out");
    }
    if (ec) return failure(ErrorKind::tls, "TLS handshake with " + where + ": " + ec.message());
  }
  out = std::move(c);
  return {};
}

ClientResult Client::Impl::exchange(Connection& c, const ParsedUrl& url,
                                    const ClientRequest& request, Clock::time_point deadline,
                                    bool& nothing_received, bool& reusable) {
  nothing_received = true;
  reusable = false;
  bhttp::request<bhttp::string_body> req;
  req.version(11);
  bhttp::verb verb = bhttp::string_to_verb(request.method);
  if (verb == bhttp::verb::unknown) {
    req.method_string(request.method);
  } else {
    req.method(verb);
  }
  req.target(url.target);
  req.set(bhttp::field::host,
          (url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host) +
              (url.default_port() ? "" : ":" + std::to_string(url.port)));
  req.set(bhttp::field::user_agent, options.user_agent);
  for (const auto& [name, value] : request.headers) {
    if (iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding")) continue;
    if (name.empty() || name.find_first_of("\r\n") != std::string::npos ||
        value.find_first_of("\r\n") != std::string::npos) {
      return failure(ErrorKind::invalid_url, "header '" + name + "' contains a line break");
    }
    if (iequals(name, "Host") || iequals(name, "User-Agent")) {
      req.set(beast::string_view(name.data(), name.size()), value);
    } else {
      req.insert(beast::string_view(name.data(), name.size()), value);
    }
  }
  req.body() = request.body;
  req.prepare_payload();

  auto write = [&](auto& stream) {
    return c.run([&](auto handler) { bhttp::async_write(stream, req, handler); });
  };
  c.lowest().expires_at(deadline);
  beast::error_code ec = c.tls ? write(*c.tls) : write(*c.plain);
  if (ec == beast::error::timeout) return failure(ErrorKind::timeout, "request write timed out");
  // A server may answer early and stop reading (413 before the body), which
  // breaks our write; its response can still be waiting in the socket.
  std::optional<std::string> write_error;
  if (ec) write_error = ec.message();

  bool head = verb == bhttp::verb::head;
  std::optional<bhttp::response_parser<bhttp::string_body>> parser;
  // Interim 1xx responses (e.g. an unsolicited 100 Continue) precede the
  // real one; skip them.
  for (;;) {
    parser.emplace();
    parser->body_limit(options.max_response_body);
    parser->header_limit(64 * 1024);
    if (head) parser->skip(true);
    auto read = [&](auto& stream) {
      return c.run([&](auto handler) { bhttp::async_read(stream, c.buffer, *parser, handler); });
    };
    ec = c.tls ? read(*c.tls) : read(*c.plain);
    if (parser->got_some()) nothing_received = false;
    if (ec) break;
    int status = static_cast<int>(parser->get().result_int());
    if (status < 100 || status >= 200 || status == 101) break;
  }
  if (ec && write_error) {
    return failure(ErrorKind::closed, "request write failed: " + *write_error);
  }
  if (ec == beast::error::timeout) return failure(ErrorKind::timeout, "response timed out");
  if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message ||
      !is_http_error(ec)) {
    if (ec) {
      return failure(ErrorKind::closed,
                     "connection closed before a complete response: " + ec.message());
    }
  } else {
    return failure(ErrorKind::protocol, "invalid response: " + ec.message());
  }

  auto message = parser->release();
  ClientResult result;
  result.response.status = static_cast<int>(message.result_int());
  for (const auto& field : message) {
    result.response.headers.add(std::string(sv(field.name_string())),
                                std::string(sv(field.value())));
  }
  result.response.body = std::move(message.body());
  // Bytes beyond the response mean the peer is out of step with us.
  reusable = !write_error && message.keep_alive() && !message.need_eof() && c.buffer.size() == 0;
  return result;
}

ClientResult Client::Impl::send(const ClientRequest& request) {
  ParsedUrl url;
  try {
    url = parse_url(request.url);
  } catch (const std::invalid_argument& e) {
    return failure(ErrorKind::invalid_url, e.what());
  }
  auto deadline = Clock::now() + request.timeout.value_or(options.request_timeout);
  std::string key = url.scheme + "://" + url.host + ":" + std::to_string(url.port);

  for (int attempt = 0;; ++attempt) {
    std::unique_ptr<Connection> c = attempt == 0 ? take_idle(key) : nullptr;
    bool reused = c != nullptr;
    if (!c) {
      ClientResult error = connect(url, deadline, c);
      if (!error.ok()) return error;
    }
    bool nothing_received = true;
    bool reusable = false;
    ClientResult result;
    try {
      result = exchange(*c, url, request, deadline, nothing_received, reusable);
    } catch (const std::exception& e) {
      return failure(ErrorKind::protocol, e.what());
    }
    if (result.ok()) {
      if (reusable) put_idle(std::move(c));
      return result;
    }
    // A pooled connection the server had already closed fails before any
    // response byte; the server never saw the request, so one fresh attempt
    // is safe even for POST.
    if (reused && nothing_received && result.error == ErrorKind::closed && attempt == 0 &&
        Clock::now() < deadline) {
      continue;
    }
    return result;
  }
}

Client::Client(ClientOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Client::~Client() = default;

ClientResult Client::send(const ClientRequest& request) {
  return impl_->send(request);
}

size_t Client::idle_connections() const {
  std::lock_guard lock(impl_->pool_mutex);
  size_t n = 0;
  for (const auto& [key, list] : impl_->idle) n += list.size();
  return n;
}

}  // namespace hbsync::http
