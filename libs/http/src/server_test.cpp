#include "hbsync/http/server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "hbsync/http/client.hpp"
#include "hbsync/log/log.hpp"
#include "raw_connection_test.hpp"

namespace hbsync::http {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testsupport::body_of;
using testsupport::eventually;
using testsupport::RawConnection;
using testsupport::status_of;

class ServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { log::init("http_server_test", log::Level::warn); }

  void TearDown() override {
    if (server_) server_->shutdown(2000ms);
    std::lock_guard lock(threads_mutex_);
    for (auto& t : handler_threads_) t.join();
  }

  Server& start(Router router, ServerOptions options = {}) {
    server_ = std::make_unique<Server>(std::move(options), std::move(router));
    server_->start();
    return *server_;
  }

  std::string url(std::string_view target) const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + std::string(target);
  }

  // Responds from another thread after a delay, as a Kafka-acknowledged
  // ingress handler would.
  Handler delayed(std::chrono::milliseconds delay, std::string body) {
    return [this, delay, body](Request&, Responder respond) {
      std::lock_guard lock(threads_mutex_);
      handler_threads_.emplace_back([delay, body, respond = std::move(respond)]() {
        std::this_thread::sleep_for(delay);
        respond(Response::text(200, body));
      });
    };
  }

  std::unique_ptr<Server> server_;
  std::mutex threads_mutex_;
  std::vector<std::thread> handler_threads_;
};

TEST_F(ServerTest, RoundTripWithKeepAliveReuse) {
  Router router;
  router.add_sync("POST", "/v1/echo/{id}", [](Request& r) {
    std::string body = r.path_params.at("id") + "|" + r.query_param("q").value_or("-") + "|" +
                       std::string(r.headers.get("x-test").value_or("-")) + "|" + r.body + "|" +
                       r.remote_address + "|" + r.route;
    auto res = Response::text(201, body);
    res.headers.add("X-Reply", "yes");
    return res;
  });
  Server& server = start(std::move(router));
  ASSERT_NE(server.port(), 0);

  Client client;
  for (int i = 0; i < 5; ++i) {
    ClientRequest req;
    req.method = "POST";
    req.url = url("/v1/echo/abc?q=hello%20there");
    req.headers.set("X-Test", std::to_string(i));
    req.body = "payload" + std::to_string(i);
    auto result = client.send(req);
    ASSERT_TRUE(result.ok()) << result.error_message;
    EXPECT_EQ(result.response.status, 201);
    EXPECT_EQ(result.response.body, "abc|hello there|" + std::to_string(i) + "|payload" +
                                        std::to_string(i) + "|127.0.0.1|/v1/echo/{id}");
    EXPECT_EQ(result.response.headers.get("X-Reply"), "yes");
    EXPECT_EQ(result.response.headers.get("Server"), "hbsync");
    EXPECT_TRUE(result.response.headers.get("Date").has_value());
    EXPECT_EQ(result.response.headers.get("Content-Length"),
              std::to_string(result.response.body.size()));
  }
  EXPECT_EQ(server.accepted_connections(), 1u);
  EXPECT_EQ(client.idle_connections(), 1u);

  auto missing = client.send({.url = url("/nowhere")});
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing.response.status, 404);
  EXPECT_EQ(missing.response.body, R"({"error":"not found"})");
  EXPECT_EQ(missing.response.headers.get("content-type"), "application/json");
  auto wrong_method = client.send({.url = url("/v1/echo/x")});
  EXPECT_EQ(wrong_method.response.status, 405);
  EXPECT_EQ(wrong_method.response.headers.get("Allow"), "POST");
  EXPECT_EQ(server.accepted_connections(), 1u);
}

TEST_F(ServerTest, OversizeHeadersGet431AndClose) {
  ServerOptions options;
  options.header_limit = 1024;
  Router router;
  router.add_sync("GET", "/", [](Request&) { return Response::text(200, "ok"); });
  Server& server = start(std::move(router), options);

  RawConnection raw(server.port());
  ASSERT_TRUE(
      raw.send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(4096, 'a') + "\r\n\r\n"));
  std::string response = raw.read_response();
  EXPECT_EQ(status_of(response), 431) << response;
  EXPECT_EQ(body_of(response), R"({"error":"request header fields too large"})");
  EXPECT_NE(response.find("Connection: close"), std::string::npos);
  EXPECT_TRUE(raw.wait_closed(3000ms));

  // A header under the limit still works.
  Client client;
  ClientRequest ok{.url = url("/")};
  ok.headers.set("X-Small", std::string(200, 'b'));
  EXPECT_EQ(client.send(ok).response.status, 200);
}

TEST_F(ServerTest, OversizeBodyGets413BeforeTheBodyIsSent) {
  ServerOptions options;
  options.body_limit = 1000;
  Router router;
  router.add_sync("POST", "/in",
                  [](Request& r) { return Response::text(200, std::to_string(r.body.size())); });
  Server& server = start(std::move(router), options);

  // Declares 10 MB and sends none of it: the answer must not wait for it.
  RawConnection raw(server.port());
  ASSERT_TRUE(raw.send("POST /in HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n"));
  std::string response = raw.read_response(2000ms);
  EXPECT_EQ(status_of(response), 413) << response;
  EXPECT_EQ(body_of(response), R"({"error":"request body too large"})");

  // A client that sends the whole oversize body still reads the 413.
  Client client;
  ClientRequest big{.method = "POST", .url = url("/in")};
  big.body = std::string(2 * 1024 * 1024, 'x');
  auto result = client.send(big);
  ASSERT_TRUE(result.ok()) << to_string(result.error) << ": " << result.error_message;
  EXPECT_EQ(result.response.status, 413);

  // Chunked bodies are limited too.
  RawConnection chunked(server.port());
  ASSERT_TRUE(chunked.send("POST /in HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
                           std::string("800\r\n") + std::string(0x800, 'y') + "\r\n"));
  EXPECT_EQ(status_of(chunked.read_response()), 413);

  ClientRequest small{.method = "POST", .url = url("/in"), .body = std::string(1000, 'z')};
  auto ok = client.send(small);
  EXPECT_EQ(ok.response.status, 200);
  EXPECT_EQ(ok.response.body, "1000");
}

TEST_F(ServerTest, MalformedRequestGets400AndClose) {
  Router router;
  router.add_sync("GET", "/", [](Request&) { return Response::text(200, "ok"); });
  Server& server = start(std::move(router));
  RawConnection raw(server.port());
  ASSERT_TRUE(raw.send("THIS IS NOT HTTP\r\n\r\n"));
  std::string response = raw.read_response();
  EXPECT_EQ(status_of(response), 400) << response;
  EXPECT_NE(body_of(response).find(R"({"error":"malformed request)"), std::string::npos);
  EXPECT_TRUE(raw.wait_closed(3000ms));

  RawConnection bad_length(server.port());
  ASSERT_TRUE(bad_length.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n"));
  EXPECT_EQ(status_of(bad_length.read_response()), 400);
}

TEST_F(ServerTest, SilentClientIsDroppedAtIdleTimeoutAndSlowHeadersAtHeaderTimeout) {
  ServerOptions options;
  options.idle_timeout = 300ms;
  options.header_timeout = 300ms;
  Router router;
  router.add_sync("GET", "/", [](Request&) { return Response::text(200, "ok"); });
  Server& server = start(std::move(router), options);

  auto t0 = Clock::now();
  RawConnection raw(server.port());
  ASSERT_TRUE(raw.connected());
  EXPECT_TRUE(raw.wait_closed(3000ms));
  auto elapsed = Clock::now() - t0;
  EXPECT_GE(elapsed, 250ms);
  EXPECT_LE(elapsed, 1500ms);

  // Trickling bytes does not extend the deadline; the client is told 408.
  t0 = Clock::now();
  RawConnection slow(server.port());
  ASSERT_TRUE(slow.send("GET / HTTP/1.1\r\n"));
  bool closed = false;
  for (int i = 0; i < 30 && !closed; ++i) {
    slow.send("X");
    closed = slow.wait_closed(100ms);
  }
  EXPECT_TRUE(closed);
  EXPECT_LE(Clock::now() - t0, 1500ms);
  EXPECT_EQ(status_of(slow.take_buffer()), 408);
  EXPECT_TRUE(eventually([&]() { return server.active_connections() == 0; }));
}

TEST_F(ServerTest, IdleKeepAliveConnectionClosedAtIdleTimeout) {
  ServerOptions options;
  options.idle_timeout = 300ms;
  options.header_timeout = 5000ms;
  Router router;
  router.add_sync("GET", "/", [](Request&) { return Response::text(200, "ok"); });
  Server& server = start(std::move(router), options);
  RawConnection raw(server.port());
  ASSERT_TRUE(raw.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(status_of(raw.read_response()), 200);
  auto t0 = Clock::now();
  EXPECT_TRUE(raw.wait_closed(3000ms));
  EXPECT_LE(Clock::now() - t0, 1500ms);
}

TEST_F(ServerTest, ExpectContinueIsHonoured) {
  Router router;
  router.add_sync("POST", "/in", [](Request& r) { return Response::text(200, r.body); });
  Server& server = start(std::move(router));
  RawConnection raw(server.port());
  ASSERT_TRUE(raw.send(
      "POST /in HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"));
  std::string interim = raw.read_response(2000ms);
  EXPECT_EQ(status_of(interim), 100) << interim;
  ASSERT_TRUE(raw.send("hello"));
  std::string final_response = raw.read_response(2000ms);
  EXPECT_EQ(status_of(final_response), 200);
  EXPECT_EQ(body_of(final_response), "hello");
}

TEST_F(ServerTest, AsyncHandlerRespondsFromAnotherThread) {
  Router router;
  router.add("POST", "/later", delayed(200ms, "acknowledged"));
  Server& server = start(std::move(router));
  Client client;
  auto t0 = Clock::now();
  auto result = client.send({.method = "POST", .url = url("/later"), .body = "{}"});
  ASSERT_TRUE(result.ok()) << result.error_message;
  EXPECT_EQ(result.response.status, 200);
  EXPECT_EQ(result.response.body, "acknowledged");
  EXPECT_GE(Clock::now() - t0, 200ms);
  // The connection stays usable after an async response.
  EXPECT_EQ(client.send({.method = "POST", .url = url("/later")}).response.status, 200);
  EXPECT_EQ(server.accepted_connections(), 1u);
}

TEST_F(ServerTest, HandlerFailuresBecomeJsonErrors) {
  ServerOptions options;
  options.handler_timeout = 300ms;
  Router router;
  router.add_sync("GET", "/throw",
                  [](Request&) -> Response { throw std::runtime_error("secret detail"); });
  std::mutex kept_mutex;
  std::vector<Responder> kept;
  router.add("GET", "/hang", [&](Request&, Responder respond) {
    std::lock_guard lock(kept_mutex);
    kept.push_back(std::move(respond));
  });
  router.add("GET", "/drop", [](Request&, Responder) {});
  router.add("GET", "/twice", [](Request&, Responder respond) {
    respond(Response::text(200, "first"));
    respond(Response::text(500, "second"));
  });
  Server& server = start(std::move(router), options);
  Client client;

  auto thrown = client.send({.url = url("/throw")});
  EXPECT_EQ(thrown.response.status, 500);
  EXPECT_EQ(thrown.response.body, R"({"error":"internal error"})");

  auto t0 = Clock::now();
  auto hung = client.send({.url = url("/hang")});
  EXPECT_EQ(hung.response.status, 503);
  EXPECT_EQ(hung.response.body, R"({"error":"handler timed out"})");
  EXPECT_GE(Clock::now() - t0, 250ms);
  {
    // A response after the timeout is ignored, not written onto the next request.
    std::lock_guard lock(kept_mutex);
    kept.front()(Response::text(200, "too late"));
  }

  t0 = Clock::now();
  auto dropped = client.send({.url = url("/drop")});
  EXPECT_EQ(dropped.response.status, 500);
  EXPECT_LT(Clock::now() - t0, 250ms);

  auto twice = client.send({.url = url("/twice")});
  EXPECT_EQ(twice.response.body, "first");
  auto after = client.send({.url = url("/twice")});
  EXPECT_EQ(after.response.body, "first");
  EXPECT_EQ(server.accepted_connections(), 1u);
  EXPECT_TRUE(eventually([&]() { return server.in_flight() == 0; }));
}

TEST_F(ServerTest, ObserverSeesRoutePatternMethodAndStatus) {
  Router router;
  router.add_sync("GET", "/v1/items/{id}", [](Request&) { return Response::text(204, ""); });
  std::mutex mutex;
  std::vector<std::tuple<std::string, std::string, int, double>> seen;
  auto server_ptr = std::make_unique<Server>(ServerOptions{}, std::move(router));
  server_ptr->set_observer(
      [&](const std::string& route, const std::string& method, int status, double seconds) {
        std::lock_guard lock(mutex);
        seen.emplace_back(route, method, status, seconds);
      });
  server_ = std::move(server_ptr);
  server_->start();
  Client client;
  EXPECT_EQ(client.send({.url = url("/v1/items/42")}).response.status, 204);
  EXPECT_EQ(client.send({.url = url("/other")}).response.status, 404);
  eventually([&] {
    std::lock_guard lock(mutex);
    return seen.size() >= 2;
  });
  std::lock_guard lock(mutex);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(std::get<0>(seen[0]), "/v1/items/{id}");
  EXPECT_EQ(std::get<1>(seen[0]), "GET");
  EXPECT_EQ(std::get<2>(seen[0]), 204);
  EXPECT_GE(std::get<3>(seen[0]), 0.0);
  EXPECT_EQ(std::get<0>(seen[1]), "unmatched");
  EXPECT_EQ(std::get<2>(seen[1]), 404);
}

TEST_F(ServerTest, ShutdownDrainsInFlightRequest) {
  Router router;
  router.add("GET", "/slow", delayed(400ms, "finished"));
  router.add_sync("GET", "/fast", [](Request&) { return Response::text(200, "fast"); });
  Server& server = start(std::move(router));
  uint16_t port = server.port();

  RawConnection idle(port);
  ASSERT_TRUE(idle.send("GET /fast HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_EQ(status_of(idle.read_response()), 200);

  Client client;
  auto pending =
      std::async(std::launch::async, [&]() { return client.send({.url = url("/slow")}); });
  eventually([&] { return server.in_flight() != 0; });
  ASSERT_EQ(server.in_flight(), 1u);

  auto t0 = Clock::now();
  EXPECT_TRUE(server.shutdown(5000ms));
  EXPECT_LT(Clock::now() - t0, 3000ms);
  auto result = pending.get();
  ASSERT_TRUE(result.ok()) << result.error_message;
  EXPECT_EQ(result.response.status, 200);
  EXPECT_EQ(result.response.body, "finished");
  EXPECT_EQ(result.response.headers.get("Connection"), "close");
  EXPECT_TRUE(idle.wait_closed(1000ms));
  EXPECT_EQ(server.active_connections(), 0u);
  EXPECT_EQ(server.in_flight(), 0u);

  RawConnection refused(port);
  EXPECT_FALSE(refused.connected());
}

TEST_F(ServerTest, ShutdownGivesUpAtTheDrainTimeout) {
  Router router;
  std::mutex kept_mutex;
  std::vector<Responder> kept;
  router.add("GET", "/never", [&](Request&, Responder respond) {
    std::lock_guard lock(kept_mutex);
    kept.push_back(std::move(respond));
  });
  Server& server = start(std::move(router));
  RawConnection raw(server.port());
  ASSERT_TRUE(raw.send("GET /never HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(eventually([&] { return server.in_flight() != 0; }));
  auto t0 = Clock::now();
  EXPECT_FALSE(server.shutdown(200ms));
  EXPECT_LT(Clock::now() - t0, 1500ms);
  EXPECT_TRUE(raw.wait_closed(1000ms));
  // Responding after the server stopped is harmless.
  std::lock_guard lock(kept_mutex);
  ASSERT_EQ(kept.size(), 1u);
  kept.front()(Response::text(200, "late"));
}

TEST_F(ServerTest, StopAcceptingRefusesNewConnectionsButServesExisting) {
  Router router;
  router.add_sync("GET", "/", [](Request&) { return Response::text(200, "ok"); });
  Server& server = start(std::move(router));
  RawConnection existing(server.port());
  ASSERT_TRUE(existing.connected());
  ASSERT_TRUE(eventually([&] { return server.active_connections() != 0; }));
  server.stop_accepting();
  RawConnection late(server.port());
  EXPECT_FALSE(late.connected());
  ASSERT_TRUE(existing.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(status_of(existing.read_response()), 200);
}

TEST_F(ServerTest, ConnectionsBeyondTheLimitAreClosedWhenNoneIsIdle) {
  ServerOptions options;
  options.max_connections = 2;
  Router router;
  router.add_sync("GET", "/", [](Request&) { return Response::text(200, "ok"); });
  Server& server = start(std::move(router), options);
  // Both have started a request: neither is idle, so neither makes room.
  RawConnection a(server.port());
  RawConnection b(server.port());
  ASSERT_TRUE(a.send("GET / HTTP/1.1\r\n"));
  ASSERT_TRUE(b.send("GET / HTTP/1.1\r\n"));
  ASSERT_TRUE(eventually(
      [&]() { return server.active_connections() == 2 && server.idle_connections() == 0; }));
  RawConnection c(server.port());
  EXPECT_TRUE(c.wait_closed(2000ms));
  ASSERT_TRUE(a.send("Host: x\r\n\r\n"));
  EXPECT_EQ(status_of(a.read_response()), 200);
  EXPECT_EQ(server.accepted_connections(), 2u);
  EXPECT_EQ(server.refused_connections(), 1u);
  EXPECT_EQ(server.evicted_connections(), 0u);
}

TEST_F(ServerTest, NoContentHasNoBodyAndStatusIsSanitised) {
  Router router;
  router.add_sync("DELETE", "/x", [](Request&) { return Response::text(204, "ignored"); });
  router.add_sync("GET", "/weird", [](Request&) { return Response::text(42, "?"); });
  Server& server = start(std::move(router));
  RawConnection raw(server.port());
  ASSERT_TRUE(raw.send("DELETE /x HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::string response = raw.read_response();
  EXPECT_EQ(status_of(response), 204);
  EXPECT_EQ(body_of(response), "");
  EXPECT_EQ(response.find("Content-Length"), std::string::npos) << response;
  ASSERT_TRUE(raw.send("GET /weird HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(status_of(raw.read_response()), 500);
}

TEST_F(ServerTest, BindFailureThrowsClearError) {
  Router router;
  Server& first = start(std::move(router));
  ServerOptions options;
  options.port = first.port();
  Server second(options, Router{});
  try {
    second.start();
    FAIL() << "second bind on the same port succeeded";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(std::to_string(first.port())), std::string::npos)
        << e.what();
  }
}

// Async client used only by the concurrency test: one object per connection.
namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

struct LoadConnection : std::enable_shared_from_this<LoadConnection> {
  LoadConnection(net::io_context& ioc, std::atomic<int>& ok, std::atomic<int>& failed)
      : stream(net::make_strand(ioc)), ok(ok), failed(failed) {}

  void connect(net::ip::tcp::endpoint endpoint) {
    stream.expires_after(std::chrono::seconds(15));
    stream.async_connect(endpoint, [self = shared_from_this()](beast::error_code ec) {
      if (ec) {
        self->failed++;
        return;
      }
      self->request();
    });
  }

  void request() {
    req = {bhttp::verb::get, "/v1/ping/" + std::to_string(++sent), 11};
    req.set(bhttp::field::host, "127.0.0.1");
    stream.expires_after(std::chrono::seconds(15));
    bhttp::async_write(stream, req, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) {
        self->failed++;
        return;
      }
      self->res = {};
      bhttp::async_read(self->stream, self->buffer, self->res,
                        [self](beast::error_code read_ec, size_t) {
                          if (!read_ec && self->res.result_int() == 200 &&
                              self->res.body() == "pong" && self->res.keep_alive()) {
                            self->ok++;
                          } else {
                            self->failed++;
                          }
                        });
    });
  }

  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  bhttp::request<bhttp::empty_body> req;
  bhttp::response<bhttp::string_body> res;
  int sent = 0;
  std::atomic<int>& ok;
  std::atomic<int>& failed;
};

TEST_F(ServerTest, ThousandConcurrentKeepAliveConnections) {
  constexpr int kConnections = 1000;
  Router router;
  router.add_sync("GET", "/v1/ping/{n}", [](Request&) { return Response::text(200, "pong"); });
  Server& server = start(std::move(router));
  net::ip::tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), server.port());

  net::io_context ioc;
  std::atomic<int> ok{0};
  std::atomic<int> failed{0};
  std::vector<std::shared_ptr<LoadConnection>> connections;
  for (int i = 0; i < kConnections; ++i) {
    connections.push_back(std::make_shared<LoadConnection>(ioc, ok, failed));
  }
  auto run = [&ioc]() {
    ioc.restart();
    std::thread helper([&ioc]() { ioc.run(); });
    ioc.run();
    helper.join();
  };

  auto t0 = Clock::now();
  for (auto& c : connections) c->connect(endpoint);
  run();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(ok.load(), kConnections);
  // Every connection is open at once, each having completed one request.
  EXPECT_EQ(server.active_connections(), static_cast<size_t>(kConnections));

  for (auto& c : connections) {
    net::post(c->stream.get_executor(), [c]() { c->request(); });
  }
  run();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(ok.load(), 2 * kConnections);
  EXPECT_EQ(server.accepted_connections(), static_cast<uint64_t>(kConnections));
  EXPECT_LT(Clock::now() - t0, 15s);
  connections.clear();
}

}  // namespace
}  // namespace hbsync::http
