#include "hbsync/redis/redis.hpp"

#include <hiredis/hiredis.h>
#include <openssl/evp.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <memory>

#include "hbsync/log/log.hpp"
#include "hbsync/metrics/metrics.hpp"

namespace hbsync::redis {
namespace {

using std::chrono::milliseconds;

constexpr std::string_view kScheme = "redis://";

std::string duration_text(milliseconds value) {
  return std::to_string(value.count()) + "ms";
}

timeval to_timeval(milliseconds value) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(value.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((value.count() % 1000) * 1000);
  return tv;
}

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    unsigned value = 0;
    if (i + 2 >= text.size()) return std::nullopt;
    auto [end, ec] = std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16);
    if (ec != std::errc() || end != text.data() + i + 3) return std::nullopt;
    out.push_back(static_cast<char>(value));
    i += 2;
  }
  return out;
}

prometheus::Counter& error_counter(Error::Kind kind) {
  static const std::array<prometheus::Counter*, 4> counters = [] {
    auto& family = metrics::common().redis_errors;
    return std::array<prometheus::Counter*, 4>{
        &family.Add({{"kind", kind_name(Error::Kind::connection)}}),
        &family.Add({{"kind", kind_name(Error::Kind::timeout)}}),
        &family.Add({{"kind", kind_name(Error::Kind::reply)}}),
        &family.Add({{"kind", kind_name(Error::Kind::protocol)}})};
  }();
  return *counters[static_cast<size_t>(kind)];
}

prometheus::Counter& reconnect_counter() {
  static prometheus::Counter& counter = metrics::common().redis_reconnects.Add({});
  return counter;
}

Reply convert(const redisReply& raw) {
  Reply reply;
  switch (raw.type) {
    case REDIS_REPLY_STRING:
      reply.type = Reply::Type::string;
      reply.str.assign(raw.str, raw.len);
      break;
    case REDIS_REPLY_STATUS:
      reply.type = Reply::Type::status;
      reply.str.assign(raw.str, raw.len);
      break;
    case REDIS_REPLY_ERROR:
      reply.type = Reply::Type::error;
      reply.str.assign(raw.str, raw.len);
      break;
    case REDIS_REPLY_INTEGER:
      reply.type = Reply::Type::integer;
      reply.integer = raw.integer;
      break;
    case REDIS_REPLY_ARRAY:
      reply.type = Reply::Type::array;
      reply.elements.reserve(raw.elements);
      for (size_t i = 0; i < raw.elements; ++i) reply.elements.push_back(convert(*raw.element[i]));
      break;
    default:
      reply.type = Reply::Type::nil;
      break;
  }
  return reply;
}

struct ReplyDeleter {
  void operator()(redisReply* reply) const { freeReplyObject(reply); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

// Must be called straight after the failing hiredis call: a blocking context
// reports a SO_RCVTIMEO expiry only through errno (EAGAIN) under REDIS_ERR_IO.
Error context_error(const redisContext& context, const Endpoint& endpoint, int saved_errno) {
  Error::Kind kind = Error::Kind::connection;
  if (context.err == REDIS_ERR_IO && (saved_errno == EAGAIN || saved_errno == EWOULDBLOCK)) {
    kind = Error::Kind::timeout;
  } else if (context.err == REDIS_ERR_PROTOCOL || context.err == REDIS_ERR_OOM) {
    kind = Error::Kind::protocol;
  }
  const std::string what = kind == Error::Kind::timeout ? "no reply in time" : context.errstr;
  return Error(kind, "redis " + endpoint.display() + ": " + what);
}

// Sends every command in one write and reads every reply. Throws Error on any
// failure; the connection is then unusable (replies may still be in flight).
std::vector<Reply> exchange(redisContext* context, const Endpoint& endpoint,
                            const std::vector<std::vector<std::string>>& commands) {
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (const auto& command : commands) {
    argv.clear();
    lengths.clear();
    for (const auto& arg : command) {
      argv.push_back(arg.data());
      lengths.push_back(arg.size());
    }
    if (redisAppendCommandArgv(context, static_cast<int>(argv.size()), argv.data(),
                               lengths.data()) != REDIS_OK) {
      throw context_error(*context, endpoint, errno);
    }
  }
  std::vector<Reply> replies;
  replies.reserve(commands.size());
  for (size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(context, &raw) != REDIS_OK) throw context_error(*context, endpoint, errno);
    ReplyPtr owned(static_cast<redisReply*>(raw));
    if (!owned) throw Error(Error::Kind::protocol, "redis " + endpoint.display() + ": no reply");
    replies.push_back(convert(*owned));
  }
  return replies;
}

// A pooled connection whose server went away (restart, idle kill) has seen
// the peer close it; one non-blocking peek finds that out before a command is
// risked on it, so even commands that must not be resent survive a restart.
bool looks_alive(redisContext* context) {
  if (context->err != 0) return false;
  char byte;
  const ssize_t n = ::recv(context->fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  // Data nobody asked for means the stream is out of step: also unusable.
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

std::string sha1_hex(const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha1(), nullptr) != 1) {
    throw std::runtime_error("redis::Script: SHA-1 failed");
  }
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out.push_back(hex[digest[i] >> 4]);
    out.push_back(hex[digest[i] & 0xf]);
  }
  return out;
}

}  // namespace

const char* kind_name(Error::Kind kind) {
  switch (kind) {
    case Error::Kind::connection:
      return "connection";
    case Error::Kind::timeout:
      return "timeout";
    case Error::Kind::reply:
      return "reply";
    case Error::Kind::protocol:
      return "protocol";
  }
  return "unknown";
}

Options Options::load(config::Loader& loader) {
  Options options;
  options.url = loader.secret("HBSYNC_REDIS_URL", options.url,
                              "Redis URL, redis://[[user]:password@]host[:port][/db]");
  options.connect_timeout =
      loader.duration("HBSYNC_REDIS_CONNECT_TIMEOUT", duration_text(options.connect_timeout),
                      "How long connecting to Redis may take");
  options.command_timeout =
      loader.duration("HBSYNC_REDIS_COMMAND_TIMEOUT", duration_text(options.command_timeout),
                      "How long a Redis command (or pipeline) may wait for its reply");
  options.pool_size = static_cast<size_t>(
      loader.integer("HBSYNC_REDIS_POOL_SIZE", static_cast<int64_t>(options.pool_size),
                     "Redis connections per process at most", 1, 1024));
  if (!parse_url(options.url)) {
    // The value may hold a password, so only its expected shape is named.
    loader.reject("HBSYNC_REDIS_URL",
                  "is not a redis URL (redis://[[user]:password@]host[:port][/db])");
    options.url = Options{}.url;
  }
  return options;
}

std::string Endpoint::display() const {
  return host + ":" + std::to_string(port) + "/" + std::to_string(db);
}

std::optional<Endpoint> parse_url(std::string_view url) {
  if (url.substr(0, kScheme.size()) != kScheme) return std::nullopt;
  url.remove_prefix(kScheme.size());
  Endpoint endpoint;

  const size_t slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : url.substr(slash + 1);

  // The password may itself contain '@' when not percent-encoded; the host
  // never does, so split at the last one.
  const size_t at = authority.rfind('@');
  if (at != std::string_view::npos) {
    const std::string_view userinfo = authority.substr(0, at);
    authority.remove_prefix(at + 1);
    const size_t colon = userinfo.find(':');
    // Without a colon the userinfo is a password, as redis-cli reads it.
    auto user = percent_decode(colon == std::string_view::npos ? "" : userinfo.substr(0, colon));
    auto password =
        percent_decode(colon == std::string_view::npos ? userinfo : userinfo.substr(colon + 1));
    if (!user || !password) return std::nullopt;
    endpoint.user = std::move(*user);
    endpoint.password = std::move(*password);
  }

  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {  // [::1]:6379
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    endpoint.host = std::string(authority.substr(1, close - 1));
    const std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port = rest.substr(1);
    }
  } else {
    const size_t colon = authority.find(':');
    endpoint.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (endpoint.host.empty()) return std::nullopt;
  if (!port.empty()) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
      return std::nullopt;
    }
    endpoint.port = static_cast<uint16_t>(value);
  }
  if (!path.empty()) {
    auto [end, ec] = std::from_chars(path.data(), path.data() + path.size(), endpoint.db);
    if (ec != std::errc() || end != path.data() + path.size() || endpoint.db < 0) {
      return std::nullopt;
    }
  }
  return endpoint;
}

const Reply& Reply::throw_if_error() const {
  if (is_error()) throw Error(Error::Kind::reply, str);
  return *this;
}

// Returns the connection to the pool when the exchange succeeded, discards it
// otherwise.
class Client::Lease {
 public:
  explicit Lease(Client& client) : client_(client), context_(client.acquire()) {}
  ~Lease() { client_.release(context_, healthy_); }
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  redisContext* get() const { return context_; }
  void keep() { healthy_ = true; }

 private:
  Client& client_;
  redisContext* context_;
  bool healthy_ = false;
};

Client::Client(Options options) : options_(std::move(options)) {
  auto endpoint = parse_url(options_.url);
  if (!endpoint) {
    throw std::invalid_argument("redis URL is not redis://[[user]:password@]host[:port][/db]");
  }
  endpoint_ = std::move(*endpoint);
  if (options_.pool_size == 0) options_.pool_size = 1;
}

Client::~Client() {
  // Leases must be gone by now: a Client outlives every call made on it.
  for (redisContext* context : idle_) redisFree(context);
}

redisContext* Client::connect() {
  redisContext* context = redisConnectWithTimeout(endpoint_.host.c_str(), endpoint_.port,
                                                  to_timeval(options_.connect_timeout));
  if (context == nullptr) {
    throw Error(Error::Kind::connection, "redis " + endpoint_.display() + ": out of memory");
  }
  std::unique_ptr<redisContext, void (*)(redisContext*)> owned(context, redisFree);
  if (context->err != 0) {
    throw Error(Error::Kind::connection,
                "redis " + endpoint_.display() + ": connect failed: " + context->errstr);
  }
  if (redisSetTimeout(context, to_timeval(options_.command_timeout)) != REDIS_OK) {
    throw context_error(*context, endpoint_, errno);
  }
  std::vector<std::vector<std::string>> setup;
  if (!endpoint_.password.empty()) {
    if (endpoint_.user.empty()) {
      setup.push_back({"AUTH", endpoint_.password});
    } else {
      setup.push_back({"AUTH", endpoint_.user, endpoint_.password});
    }
  }
  if (endpoint_.db != 0) setup.push_back({"SELECT", std::to_string(endpoint_.db)});
  if (!setup.empty()) {
    for (const Reply& reply : exchange(context, endpoint_, setup)) {
      // Server error texts (WRONGPASS, ERR DB index) never echo the password.
      // Kind connection: without AUTH/SELECT there is no usable connection.
      if (reply.is_error()) {
        throw Error(Error::Kind::connection,
                    "redis " + endpoint_.display() + ": setup rejected: " + reply.str);
      }
    }
  }
  return owned.release();
}

redisContext* Client::acquire() {
  const auto deadline = std::chrono::steady_clock::now() + options_.command_timeout;
  std::unique_lock lock(mutex_);
  while (true) {
    while (!idle_.empty()) {
      redisContext* context = idle_.back();
      idle_.pop_back();
      if (looks_alive(context)) return context;
      redisFree(context);
      --open_;
      ++broken_;
    }
    if (open_ < options_.pool_size) {
      ++open_;
      const bool replacing = broken_ > 0;
      if (replacing) --broken_;
      lock.unlock();
      try {
        redisContext* context = connect();
        if (replacing) reconnect_counter().Increment();
        return context;
      } catch (...) {
        lock.lock();
        --open_;
        if (replacing) ++broken_;
        freed_.notify_one();
        throw;
      }
    }
    if (freed_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
        open_ >= options_.pool_size) {
      throw Error(Error::Kind::timeout,
                  "redis " + endpoint_.display() + ": no free connection in time");
    }
  }
}

void Client::release(redisContext* context, bool healthy) {
  {
    std::lock_guard lock(mutex_);
    if (healthy) {
      idle_.push_back(context);
    } else {
      --open_;
      ++broken_;
    }
  }
  if (!healthy) redisFree(context);
  freed_.notify_one();
}

void Client::note_failure(const Error& error) {
  error_counter(error.kind()).Increment();
  if (error.kind() == Error::Kind::reply) return;
  std::lock_guard lock(mutex_);
  if (!healthy_) return;
  healthy_ = false;
  log::warn("redis unavailable", {{"endpoint", endpoint_.display()},
                                  {"kind", kind_name(error.kind())},
                                  {"error", error.what()}});
}

void Client::note_success() {
  std::lock_guard lock(mutex_);
  if (healthy_) return;
  healthy_ = true;
  log::info("redis available again", {{"endpoint", endpoint_.display()}});
}

std::vector<Reply> Client::run(const std::vector<std::vector<std::string>>& commands,
                               Idempotent idempotent) {
  if (commands.empty()) return {};
  for (const auto& command : commands) {
    if (command.empty()) throw std::invalid_argument("redis: empty command");
  }
  for (int attempt = 1;; ++attempt) {
    std::optional<Lease> lease;
    try {
      lease.emplace(*this);
    } catch (const Error& error) {
      // Nothing was sent, and trying to connect again at once would only
      // double the wait in an outage: the caller's retry policy paces that.
      note_failure(error);
      throw;
    }
    try {
      std::vector<Reply> replies = exchange(lease->get(), endpoint_, commands);
      lease->keep();
      lease.reset();
      note_success();
      return replies;
    } catch (const Error& error) {
      lease.reset();
      note_failure(error);
      // A broken connection may have lost the commands before or after the
      // server ran them; only commands that may run twice are sent again.
      // Timeouts are not resent: a slow server should not get more work.
      const bool resend =
          error.kind() == Error::Kind::connection && idempotent == Idempotent::yes && attempt == 1;
      if (!resend) throw;
    }
  }
}

Reply Client::checked(Reply reply) {
  if (reply.is_error()) {
    error_counter(Error::Kind::reply).Increment();
    throw Error(Error::Kind::reply, reply.str);
  }
  return reply;
}

Reply Client::command(const std::vector<std::string>& args, Idempotent idempotent) {
  return checked(std::move(run({args}, idempotent).front()));
}

std::vector<Reply> Client::pipeline(const std::vector<std::vector<std::string>>& commands,
                                    Idempotent idempotent) {
  std::vector<Reply> replies = run(commands, idempotent);
  for (const Reply& reply : replies) {
    if (reply.is_error()) error_counter(Error::Kind::reply).Increment();
  }
  return replies;
}

bool Client::ping() noexcept {
  try {
    const auto replies = run({{"PING"}}, Idempotent::yes);
    return replies.front().is_status() && replies.front().str == "PONG";
  } catch (...) {
    return false;
  }
}

Script::Script(std::string lua) : lua_(std::move(lua)), sha_(sha1_hex(lua_)) {}

Reply Script::eval(Client& client, const std::vector<std::string>& keys,
                   const std::vector<std::string>& args, Idempotent idempotent) const {
  std::vector<std::string> command;
  command.reserve(3 + keys.size() + args.size());
  command.push_back("EVALSHA");
  command.push_back(sha_);
  command.push_back(std::to_string(keys.size()));
  command.insert(command.end(), keys.begin(), keys.end());
  command.insert(command.end(), args.begin(), args.end());

  Reply reply = std::move(client.run({command}, idempotent).front());
  if (reply.is_error() && reply.str.rfind("NOSCRIPT", 0) == 0) {
    client.checked(std::move(client.run({{"SCRIPT", "LOAD", lua_}}, Idempotent::yes).front()));
    reply = std::move(client.run({command}, idempotent).front());
  }
  return client.checked(std::move(reply));
}

}  // namespace hbsync::redis
