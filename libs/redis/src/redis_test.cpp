// Integration tests against a real redis-server started per test.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "hbsync/metrics/metrics.hpp"
#include "hbsync/redis/redis.hpp"
#include "hbsync/testing/redis_server.hpp"

namespace hbsync::redis {
namespace {

using std::chrono::milliseconds;
using Type = Reply::Type;

Options options_for(const testing::RedisServer& server,
                    milliseconds command_timeout = milliseconds(2000)) {
  Options options;
  options.url = server.url();
  options.connect_timeout = milliseconds(500);
  options.command_timeout = command_timeout;
  return options;
}

Error::Kind kind_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.kind();
  }
  ADD_FAILURE() << "expected redis::Error";
  return Error::Kind::protocol;
}

TEST(RedisTest, SetAndGet) {
  testing::RedisServer server;
  Client client(options_for(server));
  EXPECT_TRUE(client.command({"SET", "greeting", "hello"}).is_ok());
  const Reply reply = client.command({"GET", "greeting"});
  EXPECT_EQ(reply.type, Type::string);
  EXPECT_EQ(reply.str, "hello");
}

TEST(RedisTest, ValuesAndKeysAreBinarySafe) {
  testing::RedisServer server;
  Client client(options_for(server));
  const std::string key("k\0ey", 4);
  std::string value("a\0b\r\n\0", 6);
  value += std::string(1, '\xff');
  client.command({"SET", key, value});
  EXPECT_EQ(client.command({"GET", key}).str, value);
  EXPECT_EQ(client.command({"STRLEN", key}).integer, 7);
  EXPECT_TRUE(client.command({"GET", std::string("k\0ex", 4)}).is_nil());
}

TEST(RedisTest, ReplyTypes) {
  testing::RedisServer server;
  Client client(options_for(server));
  EXPECT_TRUE(client.command({"GET", "missing"}).is_nil());

  const Reply incremented = client.command({"INCRBY", "n", "-5"}, Idempotent::no);
  EXPECT_EQ(incremented.type, Type::integer);
  EXPECT_EQ(incremented.integer, -5);

  client.command({"SET", "a", "1"});
  const Reply values = client.command({"MGET", "a", "missing"});
  ASSERT_EQ(values.type, Type::array);
  ASSERT_EQ(values.elements.size(), 2u);
  EXPECT_EQ(values.elements[0].str, "1");
  EXPECT_TRUE(values.elements[1].is_nil());

  const Reply status = client.command({"PING"});
  EXPECT_EQ(status.type, Type::status);
  EXPECT_EQ(status.str, "PONG");
  EXPECT_TRUE(client.command({"LRANGE", "nolist", "0", "-1"}).elements.empty());
}

TEST(RedisTest, PipelineReturnsEveryReplyInOrder) {
  testing::RedisServer server;
  Client client(options_for(server));
  std::vector<std::vector<std::string>> commands;
  for (int i = 0; i < 1000; ++i) {
    commands.push_back(i % 2 == 0 ? std::vector<std::string>{"INCR", "counter"}
                                  : std::vector<std::string>{"ECHO", std::to_string(i)});
  }
  const auto replies = client.pipeline(commands, Idempotent::no);
  ASSERT_EQ(replies.size(), 1000u);
  for (int i = 0; i < 1000; ++i) {
    if (i % 2 == 0) {
      ASSERT_EQ(replies[i].integer, i / 2 + 1) << i;
    } else {
      ASSERT_EQ(replies[i].str, std::to_string(i)) << i;
    }
  }
}

TEST(RedisTest, ErrorRepliesAreThrownByCommandAndReturnedByPipeline) {
  testing::RedisServer server;
  Client client(options_for(server));
  client.command({"SET", "s", "text"});
  try {
    client.command({"LPUSH", "s", "x"}, Idempotent::no);
    FAIL() << "expected an error reply";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::reply);
    EXPECT_EQ(std::string(e.what()).rfind("WRONGTYPE", 0), 0u) << e.what();
  }
  EXPECT_EQ(kind_of([&] { client.command({"NOSUCHCOMMAND"}); }), Error::Kind::reply);

  const auto replies = client.pipeline({{"GET", "s"}, {"LPUSH", "s", "x"}, {"STRLEN", "s"}});
  ASSERT_EQ(replies.size(), 3u);
  EXPECT_EQ(replies[0].str, "text");
  EXPECT_TRUE(replies[1].is_error());
  EXPECT_EQ(kind_of([&] { replies[1].throw_if_error(); }), Error::Kind::reply);
  EXPECT_EQ(replies[2].integer, 4);
  // The connection stays usable after error replies.
  EXPECT_TRUE(client.ping());
}

TEST(RedisTest, ScriptRunsBySha) {
  testing::RedisServer server;
  Client client(options_for(server));
  // An idempotency claim: the first caller gets 1, later ones 0.
  const Script claim("return redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) and 1 or 0");
  EXPECT_EQ(client.command({"SCRIPT", "LOAD", claim.lua()}).str, claim.sha());
  EXPECT_EQ(claim.eval(client, {"claim:1"}, {"processing", "60000"}).integer, 1);
  EXPECT_EQ(claim.eval(client, {"claim:1"}, {"processing", "60000"}).integer, 0);
  EXPECT_EQ(client.command({"GET", "claim:1"}).str, "processing");

  const Script failing("return redis.error_reply('LIMITED too many')");
  try {
    failing.eval(client, {}, {});
    FAIL() << "expected an error reply";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::reply);
    EXPECT_EQ(std::string(e.what()), "LIMITED too many");
  }
}

TEST(RedisTest, ScriptIsReloadedAfterScriptFlush) {
  testing::RedisServer server;
  Client client(options_for(server));
  const Script add("return redis.call('INCRBY', KEYS[1], ARGV[1])");
  EXPECT_EQ(add.eval(client, {"total"}, {"2"}).integer, 2);  // never loaded: NOSCRIPT path
  client.command({"SCRIPT", "FLUSH"});
  EXPECT_EQ(client.command({"SCRIPT", "EXISTS", add.sha()}).elements.at(0).integer, 0);
  EXPECT_EQ(add.eval(client, {"total"}, {"3"}).integer, 5);  // ran exactly once more
  EXPECT_EQ(client.command({"SCRIPT", "EXISTS", add.sha()}).elements.at(0).integer, 1);
}

TEST(RedisTest, CommandTimeoutAgainstAPausedServer) {
  testing::RedisServer server;
  Client client(options_for(server, milliseconds(300)));
  Client admin(options_for(server));
  client.command({"SET", "k", "v"});
  admin.command({"CLIENT", "PAUSE", "1000", "ALL"});

  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(kind_of([&] { client.command({"GET", "k"}); }), Error::Kind::timeout);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, milliseconds(250));
  EXPECT_LT(took, milliseconds(900));  // not resent: one timeout, not two
  EXPECT_FALSE(client.ping());

  // Same client, once the pause is over.
  EXPECT_TRUE(hbsync::testing::wait_until([&] { return client.ping(); }, milliseconds(3000)));
  EXPECT_EQ(client.command({"GET", "k"}).str, "v");
}

double reconnects() {
  return metrics::common().redis_reconnects.Add({}).Value();
}

TEST(RedisTest, RecoversAfterServerRestartWithoutANewClient) {
  testing::RedisServer server;
  Client client(options_for(server));
  client.command({"SET", "a", "1"});
  EXPECT_TRUE(client.ping());
  const double reconnects_before = reconnects();

  server.stop();
  EXPECT_EQ(kind_of([&] { client.command({"GET", "a"}); }), Error::Kind::connection);
  EXPECT_EQ(kind_of([&] {
              client.command({"INCR", "n"}, Idempotent::no);
            }),
            Error::Kind::connection);
  EXPECT_FALSE(client.ping());

  server.start();
  // Not even a command that must not be resent is lost to the stale
  // connection: it is found dead before anything is sent on it.
  EXPECT_EQ(client.command({"INCR", "n"}, Idempotent::no).integer, 1);
  EXPECT_TRUE(client.command({"GET", "a"}).is_nil());  // no persistence
  EXPECT_TRUE(client.ping());
  EXPECT_GE(reconnects(), reconnects_before + 1);
}

// A stand-in server whose first connection reads one command and hangs up
// without answering, the one case a real server cannot be made to do on cue:
// the command may or may not have run. Later connections answer "$1 v".
class HangUpOnceServer {
 public:
  HangUpOnceServer() {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listener_, 8) != 0) {
      throw std::runtime_error("HangUpOnceServer: cannot listen");
    }
    socklen_t length = sizeof addr;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &length);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~HangUpOnceServer() {
    ::shutdown(listener_, SHUT_RDWR);
    thread_.join();
    ::close(listener_);
  }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_) + "/0"; }
  int commands_seen() const { return commands_.load(); }

 private:
  void serve() {
    for (int connection = 0;; ++connection) {
      const int fd = ::accept(listener_, nullptr, nullptr);
      if (fd < 0) return;
      char buffer[4096];
      while (::recv(fd, buffer, sizeof buffer, 0) > 0) {
        ++commands_;  // small commands arrive in one piece
        if (connection == 0) break;
        static constexpr char reply[] = "$1\r\nv\r\n";
        ::send(fd, reply, sizeof reply - 1, MSG_NOSIGNAL);
      }
      ::close(fd);
    }
  }

  int listener_ = -1;
  uint16_t port_ = 0;
  std::atomic<int> commands_{0};
  std::thread thread_;
};

TEST(RedisTest, BrokenConnectionResendsOnlyIdempotentCommands) {
  {
    HangUpOnceServer server;
    Options options;
    options.url = server.url();
    Client client(options);
    EXPECT_EQ(client.command({"GET", "k"}).str, "v");
    EXPECT_EQ(server.commands_seen(), 2);
  }
  {
    HangUpOnceServer server;
    Options options;
    options.url = server.url();
    Client client(options);
    EXPECT_EQ(kind_of([&] {
                client.command({"INCR", "k"}, Idempotent::no);
              }),
              Error::Kind::connection);
    EXPECT_EQ(server.commands_seen(), 1);
    EXPECT_EQ(client.command({"GET", "k"}).str, "v");  // a new connection next time
  }
}

TEST(RedisTest, AuthAndDatabaseFromUrl) {
  testing::RedisServer server(0, "s3cret");
  Options options = options_for(server);
  options.url = "redis://:s3cret@127.0.0.1:" + std::to_string(server.port()) + "/3";
  Client db3(options);
  db3.command({"SET", "where", "db3"});
  EXPECT_EQ(db3.command({"GET", "where"}).str, "db3");

  Client db0(options_for(server));
  EXPECT_TRUE(db0.command({"GET", "where"}).is_nil());

  options.url = "redis://:wrong@127.0.0.1:" + std::to_string(server.port()) + "/0";
  Client wrong(options);
  try {
    wrong.command({"GET", "where"});
    FAIL() << "expected AUTH to fail";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::connection);
    EXPECT_EQ(std::string(e.what()).find("wrong"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(wrong.ping());
}

TEST(RedisTest, ConcurrentUseFromEightThreads) {
  testing::RedisServer server;
  Options options = options_for(server);
  options.pool_size = 3;  // fewer connections than threads: callers queue
  Client client(options);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      const std::string key = "thread:" + std::to_string(t);
      for (int i = 0; i < 200; ++i) {
        try {
          client.command({"INCR", "shared"}, Idempotent::no);
          client.command({"SET", key, std::to_string(i)});
          if (client.command({"GET", key}).str != std::to_string(i)) ++failures;
        } catch (const std::exception&) {
          ++failures;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(client.command({"GET", "shared"}).str, "1600");
}

}  // namespace
}  // namespace hbsync::redis
