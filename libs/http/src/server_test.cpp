// The server's request handling: keep-alive, header and body limits, malformed
// requests, timeouts, Expect: 100-continue, async handlers, handler failures.
#include "server_test_support.hpp"

namespace hbsync::http {
namespace {

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
  // After the 408 the server lingers (half-closed) until the client goes.
  slow.close();
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

// A body larger than the first read's buffer arrives whole, and the
// connection serves small requests after it.
TEST_F(ServerTest, LargeBodiesArriveWholeOnAKeptAliveConnection) {
  Router router;
  router.add_sync("POST", "/size", [](Request& r) {
    size_t sum = 0;
    for (unsigned char ch : r.body) sum += ch;
    return Response::text(200, std::to_string(r.body.size()) + "/" + std::to_string(sum));
  });
  start(std::move(router));
  Client client;
  for (size_t size : {size_t{10}, size_t{100'000}, size_t{3}, size_t{700'000}, size_t{5000}}) {
    std::string body(size, 'x');
    size_t sum = 0;
    for (size_t i = 0; i < size; ++i) {
      body[i] = static_cast<char>('a' + (i * 7) % 26);
      sum += static_cast<unsigned char>(body[i]);
    }
    auto result = client.send({.method = "POST", .url = url("/size"), .body = body});
    ASSERT_TRUE(result.ok()) << result.error_message;
    EXPECT_EQ(result.response.body, std::to_string(size) + "/" + std::to_string(sum));
  }
  EXPECT_EQ(server_->accepted_connections(), 1u);
}

}  // namespace
}  // namespace hbsync::http
