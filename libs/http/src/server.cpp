#include "hbsync/http/server.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <future>
#include <stdexcept>

#include "hbsync/log/log.hpp"
#include "server_impl.hpp"

namespace hbsync::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

void raise_fd_limit(size_t wanted) {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
  if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= wanted || rl.rlim_cur >= rl.rlim_max) return;
  rlim_t before = rl.rlim_cur;
  rl.rlim_cur = rl.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &rl) == 0) {
    log::info("raised open file limit", {{"from", static_cast<uint64_t>(before)},
                                         {"to", static_cast<uint64_t>(rl.rlim_cur)}});
  } else {
    log::warn("could not raise open file limit", {{"current", static_cast<uint64_t>(before)}});
  }
}

}  // namespace

// Over the cap, the newcomer takes the place of the longest idle connection.
// Closing it is asynchronous (on its strand), so the count can pass the cap
// by the evictions in progress; kEvictionSlack bounds that.
bool Server::Impl::admit() {
  constexpr size_t kEvictionSlack = 32;
  size_t open = active.load();
  if (open < options.max_connections) return true;
  if (open < options.max_connections + kEvictionSlack) {
    if (auto victim = take_idle()) {
      evicted.fetch_add(1);
      detail::post_action(std::move(victim), SessionAction::evict);
      return true;
    }
  }
  refused.fetch_add(1);
  int64_t now = Clock::now().time_since_epoch().count();
  int64_t last = last_limit_log_ns.load();
  if (now - last > 1'000'000'000 && last_limit_log_ns.compare_exchange_strong(last, now)) {
    log::warn("http connection limit reached and no idle connection to close, refusing",
              {{"max_connections", static_cast<uint64_t>(options.max_connections)}});
  }
  return false;
}

void Server::Impl::for_each_session(SessionAction action) {
  std::vector<std::shared_ptr<Session>> alive;
  {
    std::lock_guard lock(mutex);
    alive.reserve(sessions.size());
    for (auto& [ptr, entry] : sessions) {
      if (auto s = entry.weak.lock()) alive.push_back(std::move(s));
    }
  }
  // Posted outside the lock: dropping the last reference runs ~Session,
  // which takes the lock.
  for (auto& s : alive) detail::post_action(std::move(s), action);
}

void Server::Impl::do_accept() {
  acceptor.async_accept(net::make_strand(ioc), beast::bind_front_handler(&Impl::on_accept, this));
}

void Server::Impl::on_accept(beast::error_code ec, tcp::socket socket) {
  if (!acceptor.is_open() || ec == net::error::operation_aborted) return;
  if (ec) {
    log::warn("http accept failed", {{"error", ec.message()}});
    // Out of descriptors or buffers: back off instead of spinning on accept.
    accept_retry.expires_after(std::chrono::milliseconds(50));
    accept_retry.async_wait([this](beast::error_code wait_ec) {
      if (!wait_ec && acceptor.is_open()) do_accept();
    });
    return;
  }
  if (!admit()) {
    beast::error_code ignored;
    socket.close(ignored);
  } else {
    accepted.fetch_add(1);
    detail::start_session(*this, std::move(socket));
  }
  do_accept();
}

void Server::Impl::close_acceptor() {
  beast::error_code ec;
  acceptor.close(ec);
  accept_retry.cancel();
}

void Server::Impl::run_io() {
  for (;;) {
    try {
      ioc.run();
      return;
    } catch (const std::exception& e) {
      log::error("http io thread caught exception", {{"error", e.what()}});
    }
  }
}

Server::Server(ServerOptions options, Router router)
    : impl_(std::make_shared<Impl>(std::move(options), std::move(router))) {}

Server::~Server() {
  if (impl_->running.load()) shutdown(std::chrono::milliseconds(0));
}

void Server::set_observer(RequestObserver observer) {
  impl_->observer = std::move(observer);
}

Router& Server::router() {
  return impl_->router;
}

void Server::start() {
  Impl& s = *impl_;
  if (s.running.load() || !s.threads.empty()) throw std::logic_error("http server already started");
  raise_fd_limit(s.options.max_connections + 128);

  beast::error_code ec;
  auto address = net::ip::make_address(s.options.address, ec);
  std::string where = s.options.address + ":" + std::to_string(s.options.port);
  if (ec) throw std::runtime_error("http server: invalid listen address " + where);
  tcp::endpoint endpoint(address, s.options.port);
  s.acceptor.open(endpoint.protocol(), ec);
  if (!ec) s.acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) s.acceptor.bind(endpoint, ec);
  if (!ec) s.acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    beast::error_code ignored;
    s.acceptor.close(ignored);
    throw std::runtime_error("http server: cannot listen on " + where + ": " + ec.message());
  }
  s.bound_port = s.acceptor.local_endpoint().port();
  s.work.emplace(net::make_work_guard(s.ioc));
  s.running.store(true);
  net::post(s.acceptor.get_executor(), [&s]() { s.do_accept(); });
  for (int i = 0; i < std::max(1, s.options.threads); ++i) {
    s.threads.emplace_back([&s]() { s.run_io(); });
  }
  log::info("http server listening", {{"address", s.options.address}, {"port", s.bound_port}});
}

uint16_t Server::port() const {
  return impl_->bound_port;
}

void Server::stop_accepting() {
  Impl& s = *impl_;
  if (!s.running.load()) return;
  // The acceptor lives on its strand; wait so that callers can rely on new
  // connections being refused once this returns. Bounded, because a caller
  // on the only io thread would otherwise wait for itself.
  auto closed = std::make_shared<std::promise<void>>();
  auto done = closed->get_future();
  net::post(s.acceptor.get_executor(), [&s, closed]() {
    s.close_acceptor();
    closed->set_value();
  });
  done.wait_for(std::chrono::seconds(1));
}

bool Server::shutdown(std::chrono::milliseconds drain_timeout) {
  Impl& s = *impl_;
  std::lock_guard serialize(s.shutdown_mutex);
  if (!s.running.load()) return s.drained_result;
  s.draining.store(true);
  stop_accepting();
  s.for_each_session(SessionAction::drain);

  auto deadline = Clock::now() + drain_timeout;
  bool drained;
  {
    std::unique_lock lock(s.mutex);
    drained = s.all_closed.wait_until(lock, deadline, [&s]() { return s.active.load() == 0; });
  }
  if (!drained) {
    log::warn("http server shutdown: closing connections that did not drain",
              {{"connections", static_cast<uint64_t>(s.active.load())},
               {"in_flight", static_cast<uint64_t>(s.in_flight.load())}});
    s.for_each_session(SessionAction::force_close);
    std::unique_lock lock(s.mutex);
    s.all_closed.wait_for(lock, std::chrono::milliseconds(500),
                          [&s]() { return s.active.load() == 0; });
  }
  s.running.store(false);
  s.work.reset();
  s.ioc.stop();
  for (auto& t : s.threads) {
    if (t.joinable()) t.join();
  }
  log::info("http server stopped", {{"drained", drained}});
  s.drained_result = drained;
  return drained;
}

size_t Server::active_connections() const {
  return impl_->active.load();
}

size_t Server::idle_connections() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->idle_sessions.size();
}

size_t Server::in_flight() const {
  return impl_->in_flight.load();
}

uint64_t Server::accepted_connections() const {
  return impl_->accepted.load();
}

uint64_t Server::evicted_connections() const {
  return impl_->evicted.load();
}

uint64_t Server::refused_connections() const {
  return impl_->refused.load();
}

// ---- session bookkeeping: the live sessions and the idle ones, oldest first,
// which the connection cap closes to make room (take_idle).

void Server::Impl::session_started(Session* session, std::weak_ptr<Session> weak) {
  std::lock_guard lock(mutex);
  sessions.emplace(session, Entry{std::move(weak), idle_sessions.end(), false});
}

void Server::Impl::session_finished(Session* session) {
  {
    std::lock_guard lock(mutex);
    if (auto it = sessions.find(session); it != sessions.end()) {
      if (it->second.idle) idle_sessions.erase(it->second.idle_pos);
      sessions.erase(it);
    }
    active.fetch_sub(1);
  }
  all_closed.notify_all();
}

void Server::Impl::session_idle(Session* session) {
  std::lock_guard lock(mutex);
  auto it = sessions.find(session);
  if (it == sessions.end() || it->second.idle) return;
  it->second.idle_pos = idle_sessions.insert(idle_sessions.end(), session);
  it->second.idle = true;
}

void Server::Impl::session_busy(Session* session) {
  std::lock_guard lock(mutex);
  auto it = sessions.find(session);
  if (it == sessions.end() || !it->second.idle) return;
  idle_sessions.erase(it->second.idle_pos);
  it->second.idle = false;
}

std::shared_ptr<Session> Server::Impl::take_idle() {
  std::lock_guard lock(mutex);
  while (!idle_sessions.empty()) {
    Session* oldest = idle_sessions.front();
    idle_sessions.pop_front();
    auto& entry = sessions.at(oldest);
    entry.idle = false;
    if (auto alive = entry.weak.lock()) return alive;
  }
  return nullptr;
}

}  // namespace hbsync::http
