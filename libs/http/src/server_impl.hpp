// Internal to libs/http: the server's shared state (Server::Impl) and the
// interface between it (server.cpp: accept, cap, shutdown) and the
// per-connection Session (session.cpp).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>

#include "hbsync/http/server.hpp"

namespace hbsync::http {
namespace detail {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;

class Session;

// What the server asks of a session, run on the session's strand:
// drain (close if idle), force_close, evict (close if still idle).
enum class SessionAction { drain, force_close, evict };

}  // namespace detail

using detail::Session;
using detail::SessionAction;

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
  explicit Impl(ServerOptions opts, Router r)
      : options(std::move(opts)),
        router(std::move(r)),
        ioc(std::max(1, options.threads)),
        acceptor(detail::net::make_strand(ioc)),
        accept_retry(acceptor.get_executor()) {}

  void do_accept();
  void on_accept(detail::beast::error_code ec, detail::tcp::socket socket);
  void close_acceptor();
  void run_io();
  void for_each_session(SessionAction action);
  void session_started(Session* session, std::weak_ptr<Session> weak);
  void session_finished(Session* session);
  // The idle list: sessions waiting for the first byte of a request, oldest
  // first. At the connection cap the oldest one is closed for a newcomer.
  void session_idle(Session* session);
  void session_busy(Session* session);
  std::shared_ptr<Session> take_idle();
  bool admit();  // on the acceptor strand: may a new connection be served?

  ServerOptions options;
  Router router;
  RequestObserver observer;

  // Everything a Session touches in its destructor is declared before ioc,
  // so it is still alive while ~io_context destroys the remaining sessions.
  mutable std::mutex mutex;
  std::condition_variable all_closed;
  struct Entry {
    std::weak_ptr<Session> weak;
    std::list<Session*>::iterator idle_pos;
    bool idle = false;
  };
  std::unordered_map<Session*, Entry> sessions;
  std::list<Session*> idle_sessions;
  std::atomic<size_t> active{0};
  std::atomic<size_t> in_flight{0};
  std::atomic<uint64_t> accepted{0};
  std::atomic<uint64_t> evicted{0};
  std::atomic<uint64_t> refused{0};
  std::atomic<bool> draining{false};
  std::atomic<bool> running{false};
  std::atomic<int64_t> last_limit_log_ns{0};
  std::mutex shutdown_mutex;  // a signal thread and ~Server may both call shutdown
  bool drained_result = true;
  uint16_t bound_port = 0;

  detail::net::io_context ioc;
  std::optional<detail::net::executor_work_guard<detail::net::io_context::executor_type>> work;
  detail::tcp::acceptor acceptor;
  detail::net::steady_timer accept_retry;
  std::vector<std::thread> threads;
};

namespace detail {

// Creates the session for an accepted connection and starts it.
void start_session(Server::Impl& server, tcp::socket&& socket);
// Posts `action` onto the session's strand.
void post_action(std::shared_ptr<Session> session, SessionAction action);

}  // namespace detail
}  // namespace hbsync::http
