// One connection: read with limits and deadlines, check, dispatch, write,
// keep alive (Beast's session pattern, on the connection's strand).
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <ctime>
#include <optional>
#include <string>
#include <utility>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "hbsync/log/log.hpp"
#include "request_checks.hpp"
#include "server_impl.hpp"

namespace hbsync::http {
namespace detail {
namespace {

namespace bhttp = boost::beast::http;
using Clock = std::chrono::steady_clock;

std::string_view sv(beast::string_view s) {
  return {s.data(), s.size()};
}

// RFC 7231 IMF-fixdate, built by hand so the process locale cannot change it.
std::string http_date() {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  thread_local std::time_t cached_second = -1;
  thread_local std::string cached;
  std::time_t now = std::time(nullptr);
  if (now != cached_second) {
    std::tm t{};
    gmtime_r(&now, &t);
    char buf[40];
    std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[t.tm_wday % 7],
                  t.tm_mday, kMonths[t.tm_mon % 12], t.tm_year + 1900, t.tm_hour, t.tm_min,
                  t.tm_sec);
    cached = buf;
    cached_second = now;
  }
  return cached;
}

bool has_line_break(std::string_view s) {
  return s.find_first_of("\r\n") != std::string_view::npos;
}

}  // namespace

// Shared between the Responder copies handed to the handler, the handler
// timeout and the exception path; whoever comes first answers.
struct ResponderState {
  ResponderState(std::weak_ptr<Server::Impl> s, std::weak_ptr<Session> c, uint64_t q)
      : server(std::move(s)), session(std::move(c)), seq(q) {}
  ~ResponderState() {
    if (!done.load()) respond(Response::error(500, "handler did not respond"));
  }
  void respond(Response response);

  std::atomic<bool> done{false};
  std::weak_ptr<Server::Impl> server;
  std::weak_ptr<Session> session;
  uint64_t seq;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Server::Impl& server, tcp::socket&& socket)
      : server_(server),
        stream_(std::move(socket)),
        handler_timer_(stream_.get_executor()),
        read_timer_(stream_.get_executor()) {
    beast::error_code ec;
    auto endpoint = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_address_ = endpoint.address().to_string();
    stream_.socket().set_option(tcp::no_delay(true), ec);
    server_.active.fetch_add(1);
  }

  ~Session() {
    if (counted_in_flight_) server_.in_flight.fetch_sub(1);
    server_.session_finished(this);
  }

  void start() {
    server_.session_started(this, weak_from_this());
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&Session::wait_for_request, shared_from_this()));
  }

  // Both run on the strand (posted by the server).
  void drain() {
    if (phase_ == Phase::idle) close();
  }
  void force_close() { close(); }
  // At the connection cap, for a newcomer: only if still waiting.
  void evict() {
    if (phase_ == Phase::idle) close();
  }

  void deliver(uint64_t seq, Response response) {
    if (seq != seq_ || phase_ != Phase::handling) return;
    handler_timer_.cancel();
    write_response(std::move(response));
  }

  net::any_io_executor executor() { return stream_.get_executor(); }

 private:
  enum class Phase { idle, reading, handling, writing, closing };

  void wait_for_request() {
    phase_ = Phase::idle;
    if (server_.draining.load()) {
      close();
      return;
    }
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(server_.options.header_limit));
    parser_->body_limit(server_.options.body_limit);
    close_after_ = false;
    method_.clear();
    route_ = "unmatched";
    if (buffer_.size() > 0) {
      start_reading();
      return;
    }
    // An idle connection keeps at most its first read's buffer.
    if (buffer_.capacity() > kIdleBuffer) buffer_.shrink_to_fit();
    // Waiting for the first byte separately lets a connection idle for
    // idle_timeout while a started request must complete in the header and
    // body timeouts; it is also the state in which shutdown, or a newcomer at
    // the connection cap, may close the connection.
    server_.session_idle(this);
    stream_.expires_after(server_.options.idle_timeout);
    stream_.async_read_some(
        buffer_.prepare(kIdleBuffer),
        beast::bind_front_handler(&Session::on_first_bytes, shared_from_this()));
  }

  void on_first_bytes(beast::error_code ec, std::size_t bytes) {
    server_.session_busy(this);
    if (ec || phase_ == Phase::closing) {
      close();
      return;
    }
    buffer_.commit(bytes);
    start_reading();
  }

  void start_reading() {
    phase_ = Phase::reading;
    started_ = Clock::now();
    timed_out_ = false;
    // Our own timer, not the stream's: the stream's closes the socket, and a
    // request cut short in time gets a 408 first.
    stream_.expires_never();
    arm_read_timer(server_.options.header_timeout);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             beast::bind_front_handler(&Session::on_header, shared_from_this()));
  }

  void arm_read_timer(std::chrono::milliseconds timeout) {
    uint64_t generation = ++read_timer_generation_;
    read_timer_.expires_after(timeout);
    read_timer_.async_wait([self = shared_from_this(), generation](beast::error_code ec) {
      if (ec || generation != self->read_timer_generation_ || self->phase_ != Phase::reading) {
        return;
      }
      self->timed_out_ = true;
      self->stream_.cancel();
    });
  }

  void stop_read_timer() {
    ++read_timer_generation_;
    read_timer_.cancel();
  }

  void on_header(beast::error_code ec, std::size_t) {
    if (ec) {
      on_read_error(ec);
      return;
    }
    auto& req = parser_->get();
    method_ = std::string(sv(req.method_string()));
    if (auto rejection = detail::check_request_head(req, req.version())) {
      stop_read_timer();
      reject(rejection->status, rejection->reason);
      return;
    }
    if (!parser_->is_done()) {
      arm_read_timer(server_.options.body_timeout);
      reserve_for_body();
    }
    if (!parser_->is_done() && iequals(sv(req[bhttp::field::expect]), "100-continue")) {
      continue_.emplace(bhttp::status::continue_, req.version());
      bhttp::async_write(stream_, *continue_,
                         beast::bind_front_handler(&Session::on_continue, shared_from_this()));
      return;
    }
    read_body();
  }

  void on_continue(beast::error_code ec, std::size_t) {
    continue_.reset();
    if (ec) {
      close();
      return;
    }
    read_body();
  }

  // Room for the whole announced body (within the limit), so that a body
  // already in the socket is read in one call instead of a buffer's worth
  // (4 KiB) at a time; wait_for_request gives the room back.
  void reserve_for_body() {
    auto length = parser_->content_length();
    if (!length || *length > server_.options.body_limit) return;
    buffer_.reserve(buffer_.size() + static_cast<size_t>(*length));
  }

  void read_body() {
    if (parser_->is_done()) {
      handle_request();
      return;
    }
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&Session::on_body, shared_from_this()));
  }

  void on_body(beast::error_code ec, std::size_t) {
    if (ec) {
      on_read_error(ec);
      return;
    }
    handle_request();
  }

  void on_read_error(beast::error_code ec) {
    if (phase_ == Phase::closing) return;
    stop_read_timer();
    if (timed_out_) {
      reject(408, parser_ && parser_->is_header_done() ? "request body not received in time"
                                                       : "request header not received in time");
    } else if (ec == bhttp::error::header_limit) {
      reject(431, "request header fields too large");
    } else if (ec == bhttp::error::body_limit) {
      reject(413, "request body too large");
    } else if (ec == beast::error::timeout || ec == bhttp::error::end_of_stream ||
               ec == bhttp::error::partial_message ||
               ec.category() != bhttp::make_error_code(bhttp::error::bad_target).category()) {
      // Timeouts, disconnects and socket errors: nobody is left to answer.
      close();
    } else {
      reject(400, "malformed request: " + ec.message());
    }
  }

  // The reason is a fixed text naming the rule (never a header value or a
  // body), so it can be logged as is.
  void reject(int status, std::string_view message) {
    log::info("http request rejected", {{"status", status}, {"reason", std::string(message)}});
    close_after_ = true;
    version_ = 11;
    write_response(Response::error(status, message));
  }

  void handle_request() {
    stop_read_timer();
    phase_ = Phase::handling;
    counted_in_flight_ = true;
    server_.in_flight.fetch_add(1);

    auto message = parser_->release();
    parser_.reset();
    version_ = message.version();
    keep_alive_ = message.keep_alive();
    head_ = message.method() == bhttp::verb::head;

    request_ = Request{};
    request_.method = method_;
    request_.target = std::string(sv(message.target()));
    for (const auto& field : message) {
      request_.headers.add(std::string(sv(field.name_string())), std::string(sv(field.value())));
    }
    request_.body = std::move(message.body());
    request_.remote_address = remote_address_;

    auto state =
        std::make_shared<ResponderState>(server_.weak_from_this(), weak_from_this(), ++seq_);
    handler_timer_.expires_after(server_.options.handler_timeout);
    handler_timer_.async_wait(
        [self = shared_from_this(),
         weak_state = std::weak_ptr<ResponderState>(state)](beast::error_code ec) {
          if (ec) return;
          if (auto st = weak_state.lock()) st->respond(Response::error(503, "handler timed out"));
        });

    try {
      server_.router.dispatch(request_, [state](Response r) { state->respond(std::move(r)); });
    } catch (const std::exception& e) {
      log::error("http handler threw",
                 {{"route", request_.route}, {"method", request_.method}, {"error", e.what()}});
      state->respond(Response::error(500, "internal error"));
    } catch (...) {
      log::error("http handler threw",
                 {{"route", request_.route}, {"method", request_.method}, {"error", "unknown"}});
      state->respond(Response::error(500, "internal error"));
    }
    route_ = request_.route.empty() ? "unmatched" : request_.route;
  }

  void write_response(Response response) {
    phase_ = Phase::writing;
    // 1xx would leave the client waiting for a second response.
    status_ = (response.status >= 200 && response.status <= 599) ? response.status : 500;
    response_.emplace();
    auto& res = *response_;
    res.version(version_);
    res.result(static_cast<unsigned>(status_));
    for (const auto& [name, value] : response.headers) {
      // Framing headers are ours to set; line breaks would split the header.
      if (iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding") ||
          iequals(name, "Connection") || name.empty() || has_line_break(name) ||
          has_line_break(value)) {
        continue;
      }
      res.insert(beast::string_view(name.data(), name.size()), value);
    }
    if (!response.headers.has("Server")) res.set(bhttp::field::server, server_.options.server_name);
    res.set(bhttp::field::date, http_date());
    bool close = close_after_ || !keep_alive_ || server_.draining.load();
    close_after_ = close;
    res.keep_alive(!close);
    if (status_ == 204 || status_ == 304) {
      // These carry no body and no Content-Length (RFC 9110 8.6).
      res.body().clear();
    } else {
      res.body() = std::move(response.body);
      res.prepare_payload();
      if (head_) res.body().clear();  // Content-Length still describes the GET body
    }

    stream_.expires_after(server_.options.write_timeout);
    bhttp::async_write(stream_, res,
                       beast::bind_front_handler(&Session::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    if (counted_in_flight_) {
      counted_in_flight_ = false;
      server_.in_flight.fetch_sub(1);
    }
    if (server_.observer) {
      double seconds = std::chrono::duration<double>(Clock::now() - started_).count();
      try {
        server_.observer(route_, method_, status_, seconds);
      } catch (const std::exception& e) {
        log::warn("http request observer threw", {{"error", e.what()}});
      }
    }
    response_.reset();
    request_ = Request{};
    head_ = false;
    if (ec || phase_ == Phase::closing) {
      close();
    } else if (close_after_) {
      linger_close();
    } else {
      wait_for_request();
    }
  }

  // After an early answer (413 before the body was read) the client may still
  // be sending; closing with unread data makes the kernel send a RST that can
  // destroy our response before the client read it. So: half-close, discard
  // what still arrives for a short while, then close.
  void linger_close() {
    phase_ = Phase::closing;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) {
      close();
      return;
    }
    stream_.expires_after(std::min<std::chrono::milliseconds>(server_.options.body_timeout,
                                                              std::chrono::milliseconds(2000)));
    stream_.async_read_some(net::buffer(discard_),
                            beast::bind_front_handler(&Session::on_discard, shared_from_this()));
  }

  void on_discard(beast::error_code ec, std::size_t bytes) {
    discarded_ += bytes;
    // The deadline set in linger_close bounds the time; the byte cap only
    // bounds a client that sends at line rate meanwhile.
    if (ec || discarded_ > kMaxDiscard) {
      close();
      return;
    }
    stream_.async_read_some(net::buffer(discard_),
                            beast::bind_front_handler(&Session::on_discard, shared_from_this()));
  }

  void close() {
    phase_ = Phase::closing;
    handler_timer_.cancel();
    stop_read_timer();
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
  }

  Server::Impl& server_;
  beast::tcp_stream stream_;
  net::steady_timer handler_timer_;
  net::steady_timer read_timer_;  // header and body deadlines (reading phase)
  uint64_t read_timer_generation_ = 0;
  bool timed_out_ = false;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::optional<bhttp::response<bhttp::empty_body>> continue_;
  std::optional<bhttp::response<bhttp::string_body>> response_;
  Request request_;
  std::string remote_address_;
  std::string method_;
  std::string route_ = "unmatched";
  Phase phase_ = Phase::idle;
  Clock::time_point started_ = Clock::now();
  uint64_t seq_ = 0;
  unsigned version_ = 11;
  int status_ = 0;
  bool keep_alive_ = true;
  bool close_after_ = false;
  bool head_ = false;
  bool counted_in_flight_ = false;
  static constexpr size_t kMaxDiscard = 64 * 1024 * 1024;
  static constexpr size_t kIdleBuffer = 4096;
  size_t discarded_ = 0;
  char discard_[4096];
};

void ResponderState::respond(Response response) {
  if (done.exchange(true)) return;
  // Holding the server keeps its io_context alive while we post to it.
  auto server_alive = server.lock();
  if (!server_alive) return;
  auto target = session.lock();
  if (!target) return;
  auto executor = target->executor();
  net::post(executor, [target = std::move(target), seq = seq, r = std::move(response)]() mutable {
    target->deliver(seq, std::move(r));
  });
}

void start_session(Server::Impl& server, tcp::socket&& socket) {
  std::make_shared<Session>(server, std::move(socket))->start();
}

void post_action(std::shared_ptr<Session> session, SessionAction action) {
  auto executor = session->executor();
  net::post(executor, [s = std::move(session), action]() {
    switch (action) {
      case SessionAction::drain:
        s->drain();
        break;
      case SessionAction::force_close:
        s->force_close();
        break;
      case SessionAction::evict:
        s->evict();
        break;
    }
  });
}

}  // namespace detail

}  // namespace hbsync::http
