// Redis access for every service: a thread-safe pool of synchronous hiredis
// connections, pipelining, and Lua scripts run by SHA.
//
// Failure model. A connection that saw any error is thrown away and a fresh
// one is made on next use, so the client recovers by itself after
// redis-server restarts. An idle pooled connection is checked (a non-blocking
// peek for the peer's close) before a command is risked on it, so a restart
// costs no command. Whether a command is sent again after its connection broke
// under it is the caller's call, because only the caller knows whether
// running it twice is harmless: see Idempotent.
//
// Error replies. command() and Script::eval() throw Error(Kind::reply) for a
// top-level error reply, so callers cannot mistake "-WRONGTYPE" for data.
// pipeline() returns error replies in place (Reply::Type::error): one bad
// command must not hide the results of the others; use throw_if_error().
//
// Neither the URL password nor command arguments are ever logged or put in an
// Error message: arguments may carry customer data.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "hbsync/config/config.hpp"

struct redisContext;

namespace hbsync::redis {

struct Options {
  // redis://[[user]:password@]host[:port][/db]; user and password may be
  // percent-encoded. With a user, AUTH uses the ACL form (AUTH user pass).
  std::string url = "redis://127.0.0.1:6379/0";
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds command_timeout{2000};
  size_t pool_size = 4;  // connections at most; callers beyond it wait

  // HBSYNC_REDIS_URL (secret), HBSYNC_REDIS_CONNECT_TIMEOUT,
  // HBSYNC_REDIS_COMMAND_TIMEOUT, HBSYNC_REDIS_POOL_SIZE. Throws
  // std::invalid_argument naming the variable (never its value) when the URL
  // does not parse.
  static Options load(config::Loader& loader);
};

// Where and how to connect, parsed from Options::url.
struct Endpoint {
  std::string host;
  uint16_t port = 6379;
  std::string user;      // empty: AUTH <password> (or no AUTH without a password)
  std::string password;  // empty: no AUTH
  int64_t db = 0;
  std::string display() const;  // host:port/db, safe to log
};
std::optional<Endpoint> parse_url(std::string_view url);

struct Reply {
  enum class Type { nil, string, integer, array, status, error };
  Type type = Type::nil;
  std::string str;  // string (binary-safe), status or error text
  int64_t integer = 0;
  std::vector<Reply> elements;

  bool is_nil() const { return type == Type::nil; }
  bool is_error() const { return type == Type::error; }
  bool is_string() const { return type == Type::string; }
  bool is_integer() const { return type == Type::integer; }
  bool is_array() const { return type == Type::array; }
  bool is_status() const { return type == Type::status; }
  bool is_ok() const { return type == Type::status && str == "OK"; }
  // Throws Error(Kind::reply) when this is an error reply; returns *this.
  const Reply& throw_if_error() const;

  static Reply nil() { return {}; }
};

class Error : public std::runtime_error {
 public:
  enum class Kind {
    connection,  // could not connect, or the connection broke
    timeout,     // no answer within command_timeout (or no free connection)
    reply,       // the server answered with an error reply
    protocol,    // the reply could not be parsed
  };
  Error(Kind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};
const char* kind_name(Error::Kind kind);  // "connection", ... (the metric label)

// Whether a command may be sent a second time when its connection broke
// before the answer came (it may or may not have run on the server).
enum class Idempotent {
  yes,  // GET, SET k v, DEL, EXPIRE, HSET, ...: resent once on a new connection
  no,   // INCR, LPUSH, XADD, claims, counters: never resent; the caller decides
};

class Client {
 public:
  explicit Client(Options options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Runs one command; arguments are binary-safe. On a connection error the
  // command is resent once on a new connection when `idempotent` is yes (the
  // default: most commands a service sends are). Timeouts are never resent: a
  // slow server should not be sent more work; the caller's retry policy
  // decides. Throws Error.
  Reply command(const std::vector<std::string>& args, Idempotent idempotent = Idempotent::yes);

  // Sends every command in one round trip and returns the replies in order,
  // error replies in place. The resend rule applies to the batch as a whole.
  std::vector<Reply> pipeline(const std::vector<std::vector<std::string>>& commands,
                              Idempotent idempotent = Idempotent::yes);

  // For /readyz: true if PING was answered within the timeouts. Never throws.
  bool ping() noexcept;

  const Endpoint& endpoint() const { return endpoint_; }

 private:
  friend class Script;
  class Lease;

  // Sends the commands under the resend rule; error replies are returned.
  std::vector<Reply> run(const std::vector<std::vector<std::string>>& commands,
                         Idempotent idempotent);
  // Counts and throws an error reply; passes any other through.
  static Reply checked(Reply reply);
  redisContext* acquire();
  void release(redisContext* context, bool healthy);
  redisContext* connect();
  void note_failure(const Error& error);
  void note_success();

  Options options_;
  Endpoint endpoint_;
  std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<redisContext*> idle_;
  size_t open_ = 0;      // idle plus leased connections
  size_t broken_ = 0;    // discarded and not yet replaced (for redis_reconnects)
  bool healthy_ = true;  // last known state, so an outage logs once, not per command
};

// A Lua prelude that sets `now` to the Redis server's clock in epoch ms, for
// scripts whose replicas must judge time (leases, due times) by one clock:
// Script(std::string(kLuaNowMs) + "...").
inline constexpr const char* kLuaNowMs = R"(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
)";

// A Lua script run with EVALSHA. When the server does not know it (NOSCRIPT:
// after a restart or SCRIPT FLUSH) it is loaded with SCRIPT LOAD and run again
// once; that resend is always safe because the script did not run.
class Script {
 public:
  explicit Script(std::string lua);
  const std::string& sha() const { return sha_; }
  const std::string& lua() const { return lua_; }

  // Scripts usually write (claims, counters), so by default a script whose
  // connection broke is not run again: pass Idempotent::yes if it is safe.
  // Throws Error, including Kind::reply for an error raised by the script.
  Reply eval(Client& client, const std::vector<std::string>& keys,
             const std::vector<std::string>& args, Idempotent idempotent = Idempotent::no) const;

 private:
  std::string lua_;
  std::string sha_;  // lowercase hex SHA-1 of lua_, as Redis names scripts
};

}  // namespace hbsync::redis
