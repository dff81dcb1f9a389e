// The server's life cycle and capacity: the observer, shutdown and draining,
// stop accepting, the connection cap, bind failures, a thousand connections.
#include "server_test_support.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace hbsync::http {
namespace {

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
