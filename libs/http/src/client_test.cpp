#include "hbsync/http/client.hpp"

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "hbsync/http/server.hpp"
#include "hbsync/log/log.hpp"
#include "hbsync/testing/wait.hpp"

namespace hbsync::http {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

class ClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { log::init("http_client_test", log::Level::warn); }
};

TEST_F(ClientTest, InvalidUrl) {
  Client client;
  auto result = client.send({.url = "ftp://example.com/"});
  EXPECT_EQ(result.error, ErrorKind::invalid_url);
  EXPECT_FALSE(result.ok());
  EXPECT_NE(result.error_message.find("scheme"), std::string::npos);
}

TEST_F(ClientTest, ClosedPortIsConnectError) {
  net::io_context ioc;
  tcp::acceptor probe(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  uint16_t port = probe.local_endpoint().port();
  probe.close();

  Client client;
  auto t0 = Clock::now();
  auto result = client.send({.url = "http://127.0.0.1:" + std::to_string(port) + "/"});
  EXPECT_EQ(result.error, ErrorKind::connect) << result.error_message;
  EXPECT_LT(Clock::now() - t0, 2s);
}

TEST_F(ClientTest, SilentServerIsTimeout) {
  // Listening without ever accepting: the kernel completes the handshake and
  // buffers the request, and no response ever comes.
  net::io_context ioc;
  tcp::acceptor silent(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  std::string url = "http://127.0.0.1:" + std::to_string(silent.local_endpoint().port()) + "/x";

  Client client({.request_timeout = 5000ms});
  auto t0 = Clock::now();
  auto result = client.send({.method = "POST", .url = url, .body = "{}", .timeout = 300ms});
  auto elapsed = Clock::now() - t0;
  EXPECT_EQ(result.error, ErrorKind::timeout) << result.error_message;
  EXPECT_GE(elapsed, 250ms);
  EXPECT_LT(elapsed, 2s);

  Client short_default({.request_timeout = 200ms});
  EXPECT_EQ(short_default.send({.url = url}).error, ErrorKind::timeout);
}

TEST_F(ClientTest, UnresolvableHostIsResolveError) {
  Client client({.connect_timeout = 3000ms});
  auto result = client.send({.url = "http://no-such-host.invalid/"});
  EXPECT_EQ(result.error, ErrorKind::resolve) << result.error_message;
}

TEST_F(ClientTest, ServerClosingIdleConnectionIsHandled) {
  ServerOptions options;
  options.idle_timeout = 200ms;
  Router router;
  router.add_sync("POST", "/count", [](Request& r) { return Response::text(200, r.body); });
  Server server(options, std::move(router));
  server.start();
  std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/count";

  Client client;
  EXPECT_EQ(client.send({.method = "POST", .url = url, .body = "1"}).response.body, "1");
  EXPECT_EQ(client.idle_connections(), 1u);
  // The server drops the idle connection after its idle timeout.
  ASSERT_TRUE(hbsync::testing::wait_until([&] { return server.active_connections() == 0; }, 5s));
  auto second = client.send({.method = "POST", .url = url, .body = "2"});
  ASSERT_TRUE(second.ok()) << second.error_message;
  EXPECT_EQ(second.response.body, "2");
  EXPECT_EQ(server.accepted_connections(), 2u);
  EXPECT_TRUE(server.shutdown(1000ms));
}

TEST_F(ClientTest, ConnectionCloseResponseIsNotPooled) {
  Router router;
  router.add_sync("GET", "/", [](Request&) { return Response::text(200, "bye"); });
  Server server(ServerOptions{}, std::move(router));
  server.start();
  std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/";
  Client client;
  ClientRequest req{.url = url};
  req.headers.set("Connection", "close");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(client.send(req).response.body, "bye");
  EXPECT_EQ(client.idle_connections(), 0u);
  EXPECT_EQ(server.accepted_connections(), 3u);
}

TEST_F(ClientTest, ManyThreadsShareOneClient) {
  Router router;
  router.add_sync("GET", "/v/{n}",
                  [](Request& r) { return Response::text(200, r.path_params["n"]); });
  Server server(ServerOptions{}, std::move(router));
  server.start();
  std::string base = "http://127.0.0.1:" + std::to_string(server.port()) + "/v/";
  Client client({.max_idle_per_host = 4});
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t]() {
      for (int i = 0; i < 50; ++i) {
        std::string n = std::to_string(t * 1000 + i);
        auto r = client.send({.url = base + n});
        if (r.ok() && r.response.body == n) good++;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(good.load(), 400);
  EXPECT_LE(client.idle_connections(), 4u);
  EXPECT_LE(server.accepted_connections(), 400u);
}

// A scripted HTTP peer: connection i answers answers[i] requests (keep-alive,
// body "<i>-<n>"), then reads one more request and closes without answering,
// which is what a server closing an idle keep-alive connection looks like to
// a client that just reused it.
class ScriptedServer {
 public:
  explicit ScriptedServer(std::vector<int> answers)
      : acceptor_(ioc_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {
    thread_ = std::thread([this, answers]() {
      for (size_t i = 0; i < answers.size(); ++i) {
        beast::error_code ec;
        tcp::socket socket(ioc_);
        acceptor_.accept(socket, ec);
        if (ec || stopping_) return;
        accepted_++;
        beast::flat_buffer buffer;
        for (int n = 0;; ++n) {
          bhttp::request<bhttp::string_body> req;
          bhttp::read(socket, buffer, req, ec);
          if (ec || n == answers[i]) break;
          bhttp::response<bhttp::string_body> res{bhttp::status::ok, 11};
          res.body() = std::to_string(i) + "-" + std::to_string(n);
          res.keep_alive(true);
          res.prepare_payload();
          bhttp::write(socket, res, ec);
        }
      }
    });
  }
  ~ScriptedServer() {
    stopping_ = true;
    beast::error_code ec;
    tcp::socket wake(ioc_);
    wake.connect(acceptor_.local_endpoint(), ec);
    thread_.join();
  }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + "/";
  }
  int accepted() const { return accepted_.load(); }

 private:
  net::io_context ioc_;
  tcp::acceptor acceptor_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

TEST_F(ClientTest, ReusedConnectionClosedWithoutAnswerIsRetriedOnce) {
  ScriptedServer server({1, 1});
  Client client;
  auto first = client.send({.method = "POST", .url = server.url(), .body = "a"});
  ASSERT_TRUE(first.ok()) << first.error_message;
  EXPECT_EQ(first.response.body, "0-0");
  auto second = client.send({.method = "POST", .url = server.url(), .body = "b"});
  ASSERT_TRUE(second.ok()) << second.error_message;
  EXPECT_EQ(second.response.body, "1-0");
  EXPECT_EQ(server.accepted(), 2);
}

TEST_F(ClientTest, FreshConnectionClosedWithoutAnswerIsNotRetried) {
  ScriptedServer server({0, 5});
  Client client;
  auto result = client.send({.method = "POST", .url = server.url(), .body = "a"});
  EXPECT_EQ(result.error, ErrorKind::closed) << result.error_message;
  EXPECT_EQ(server.accepted(), 1);
}

// A minimal HTTPS server: the production server is plain HTTP behind the
// platform's TLS, so only the client's verification needs exercising.
class TlsServer {
 public:
  TlsServer(const std::string& cert, const std::string& key)
      : context_(ssl::context::tls_server),
        acceptor_(ioc_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {
    context_.use_certificate_chain_file(cert);
    context_.use_private_key_file(key, ssl::context::pem);
    accept();
    thread_ = std::thread([this]() { ioc_.run(); });
  }
  ~TlsServer() {
    ioc_.stop();
    thread_.join();
  }
  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  int accepted() const { return accepted_.load(); }

 private:
  struct Session : std::enable_shared_from_this<Session> {
    Session(tcp::socket socket, ssl::context& context) : stream(std::move(socket), context) {}
    void start() {
      stream.async_handshake(ssl::stream_base::server, [self = shared_from_this()](auto ec) {
        if (!ec) self->read();
      });
    }
    void read() {
      req = {};
      bhttp::async_read(stream, buffer, req, [self = shared_from_this()](auto ec, size_t) {
        if (ec) return;
        self->res = {bhttp::status::ok, 11};
        self->res.body() = "secure " + std::string(self->req.target());
        self->res.keep_alive(self->req.keep_alive());
        self->res.prepare_payload();
        bhttp::async_write(self->stream, self->res, [self](auto write_ec, size_t) {
          if (!write_ec && self->res.keep_alive()) self->read();
        });
      });
    }
    beast::ssl_stream<tcp::socket> stream;
    beast::flat_buffer buffer;
    bhttp::request<bhttp::string_body> req;
    bhttp::response<bhttp::string_body> res;
  };

  void accept() {
    acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec) return;
      accepted_++;
      std::make_shared<Session>(std::move(socket), context_)->start();
      accept();
    });
  }

  net::io_context ioc_;
  ssl::context context_;
  tcp::acceptor acceptor_;
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

class HttpsTest : public ClientTest {
 protected:
  static void SetUpTestSuite() {
    ClientTest::SetUpTestSuite();
    dir_ =
        std::filesystem::temp_directory_path() / ("hbsync_http_tls_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    // The certificate names only "localhost": connecting by IP must fail the
    // host name check even when the certificate itself is trusted.
    std::string command =
        "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost"
        " -addext subjectAltName=DNS:localhost -keyout " +
        (dir_ / "key.pem").string() + " -out " + (dir_ / "cert.pem").string() + " >/dev/null 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
  }
  static void TearDownTestSuite() { std::filesystem::remove_all(dir_); }

  static std::string cert() { return (dir_ / "cert.pem").string(); }
  static std::string key() { return (dir_ / "key.pem").string(); }

  static std::filesystem::path dir_;
};
std::filesystem::path HttpsTest::dir_;

TEST_F(HttpsTest, SelfSignedCertificateIsRejectedByDefault) {
  TlsServer server(cert(), key());
  Client client;
  auto result = client.send({.url = "https://localhost:" + std::to_string(server.port()) + "/"});
  EXPECT_EQ(result.error, ErrorKind::tls) << result.error_message;
  EXPECT_NE(result.error_message.find("certificate verify failed"), std::string::npos)
      << result.error_message;
}

TEST_F(HttpsTest, TrustedCaFileIsAcceptedAndConnectionReused) {
  TlsServer server(cert(), key());
  Client client({.ca_file = cert()});
  std::string base = "https://localhost:" + std::to_string(server.port());
  for (int i = 0; i < 3; ++i) {
    auto result = client.send({.url = base + "/hello?i=" + std::to_string(i)});
    ASSERT_TRUE(result.ok()) << result.error_message;
    EXPECT_EQ(result.response.status, 200);
    EXPECT_EQ(result.response.body, "secure /hello?i=" + std::to_string(i));
  }
  EXPECT_EQ(server.accepted(), 1);
}

TEST_F(HttpsTest, HostNameMismatchIsRejectedEvenWithTrustedCa) {
  TlsServer server(cert(), key());
  Client client({.ca_file = cert()});
  auto result = client.send({.url = "https://127.0.0.1:" + std::to_string(server.port()) + "/"});
  EXPECT_EQ(result.error, ErrorKind::tls) << result.error_message;
}

TEST_F(HttpsTest, VerificationCanBeDisabled) {
  TlsServer server(cert(), key());
  Client client({.verify_tls = false});
  auto result = client.send({.url = "https://127.0.0.1:" + std::to_string(server.port()) + "/x"});
  ASSERT_TRUE(result.ok()) << result.error_message;
  EXPECT_EQ(result.response.body, "secure /x");
}

TEST_F(HttpsTest, MissingCaFileThrowsAtConstruction) {
  EXPECT_THROW(Client({.ca_file = (dir_ / "missing.pem").string()}), std::runtime_error);
}

}  // namespace
}  // namespace hbsync::http
