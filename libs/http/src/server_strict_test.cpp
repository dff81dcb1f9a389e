// HTTP strictness (issue 8, A6): requests whose framing or singleton headers
// are ambiguous are refused before any handler runs, and every refusal is
// logged with its reason (never with a header value).
#include <atomic>
#include <memory>
#include <mutex>
#include <ostream>
#include <sstream>
#include <streambuf>

#include <gtest/gtest.h>

#include "hbsync/http/server.hpp"
#include "hbsync/log/log.hpp"
#include "raw_connection_test.hpp"

namespace hbsync::http {
namespace {

using namespace std::chrono_literals;
using testsupport::body_of;
using testsupport::RawConnection;
using testsupport::status_of;

// Log lines written on the server's io threads, read by the test thread.
class CaptureBuffer : public std::streambuf {
 public:
  std::string text() {
    std::lock_guard lock(mutex_);
    return text_;
  }

 protected:
  int_type overflow(int_type c) override {
    if (c == traits_type::eof()) return traits_type::not_eof(c);
    std::lock_guard lock(mutex_);
    text_.push_back(static_cast<char>(c));
    return c;
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    std::lock_guard lock(mutex_);
    text_.append(s, static_cast<size_t>(n));
    return n;
  }

 private:
  std::mutex mutex_;
  std::string text_;
};

class ServerStrictTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log::init("http_server_strict_test", log::Level::info, &log_stream_);
    Router router;
    router.add_sync("POST", "/in", [this](Request& r) {
      ++handled_;
      return Response::text(200, "body=" + r.body);
    });
    router.add_sync("GET", "/", [this](Request&) {
      ++handled_;
      return Response::text(200, "ok");
    });
    server_ = std::make_unique<Server>(ServerOptions{}, std::move(router));
    server_->start();
  }

  void TearDown() override {
    server_->shutdown(2000ms);
    log::init("http_server_strict_test", log::Level::warn);
  }

  // Sends one raw request on a new connection; returns the response.
  std::string exchange(const std::string& raw) {
    RawConnection c(server_->port());
    EXPECT_TRUE(c.send(raw));
    return c.read_response(3000ms);
  }

  CaptureBuffer log_buffer_;
  std::ostream log_stream_{&log_buffer_};
  std::unique_ptr<Server> server_;
  std::atomic<int> handled_{0};
};

TEST_F(ServerStrictTest, Http11WithoutHostGets400) {
  std::string response = exchange("GET / HTTP/1.1\r\n\r\n");
  EXPECT_EQ(status_of(response), 400) << response;
  EXPECT_EQ(body_of(response), R"({"error":"missing Host header"})");
  EXPECT_EQ(handled_.load(), 0);
  // HTTP/1.0 has no Host requirement.
  EXPECT_EQ(status_of(exchange("GET / HTTP/1.0\r\n\r\n")), 200);
  EXPECT_EQ(status_of(exchange("GET / HTTP/1.1\r\nHost: x\r\n\r\n")), 200);
}

struct FramingCase {
  const char* transfer_encoding;
  int status;
};

TEST_F(ServerStrictTest, TransferEncodingOtherThanALoneChunkedIsRefused) {
  const FramingCase cases[] = {
      {"Transfer-Encoding: chunked, identity\r\n", 400},
      {"Transfer-Encoding: xchunked\r\n", 400},
      {"Transfer-Encoding: gzip\r\n", 400},
      {"Transfer-Encoding: identity\r\n", 400},
      {"Transfer-Encoding: chunked,\r\n", 400},
      {"Transfer-Encoding: gzip, chunked\r\n", 501},
      {"Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n", 501},
  };
  for (const auto& c : cases) {
    // Each would otherwise be read as a bodyless request followed by a
    // second request made of the body.
    std::string response = exchange(std::string("POST /in HTTP/1.1\r\nHost: x\r\n") +
                                    c.transfer_encoding + "\r\n5\r\nhello\r\n0\r\n\r\n");
    EXPECT_EQ(status_of(response), c.status) << c.transfer_encoding << response;
    EXPECT_NE(response.find("Connection: close"), std::string::npos) << c.transfer_encoding;
  }
  EXPECT_EQ(handled_.load(), 0);
  EXPECT_EQ(status_of(exchange("POST /in HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"
                               "5\r\nhello\r\n0\r\n\r\n")),
            400);
  EXPECT_EQ(handled_.load(), 0);

  // A lone chunked (any case) is read as such.
  std::string ok = exchange(
      "POST /in HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
  EXPECT_EQ(status_of(ok), 200) << ok;
  EXPECT_EQ(body_of(ok), "body=hello");
}

TEST_F(ServerStrictTest, RepeatedSingletonHeadersGet400) {
  const char* heads[] = {
      "Content-Type: application/json\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n",
      "Content-Length: 2\r\nContent-Length: 2\r\n",
      "Content-Length: 2, 2\r\n",
      "Host: y\r\nContent-Length: 2\r\n",
      "Authorization: Bearer a\r\nAuthorization: Bearer b\r\nContent-Length: 2\r\n",
  };
  for (const char* head : heads) {
    std::string response =
        exchange(std::string("POST /in HTTP/1.1\r\nHost: x\r\n") + head + "\r\n{}");
    EXPECT_EQ(status_of(response), 400) << head << response;
  }
  EXPECT_EQ(handled_.load(), 0);
  std::string ok = exchange(
      "POST /in HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 2\r\n\r\n{}");
  EXPECT_EQ(status_of(ok), 200) << ok;
}

TEST_F(ServerStrictTest, EveryRefusalIsLoggedWithItsReasonAndNoHeaderValue) {
  EXPECT_EQ(status_of(exchange("POST /in HTTP/1.1\r\nHost: x\r\n"
                               "Content-Type: text/secret-value-1\r\n"
                               "Content-Type: text/secret-value-2\r\nContent-Length: 2\r\n\r\n{}")),
            400);
  EXPECT_EQ(status_of(exchange("GET / HTTP/1.1\r\nX-Name: Taro Yamada\r\n\r\n")), 400);
  EXPECT_EQ(status_of(exchange("NOT HTTP AT ALL\r\n\r\n")), 400);
  std::string logged = log_buffer_.text();
  EXPECT_NE(logged.find("http request rejected"), std::string::npos) << logged;
  EXPECT_NE(logged.find("duplicate Content-Type header"), std::string::npos) << logged;
  EXPECT_NE(logged.find("missing Host header"), std::string::npos) << logged;
  EXPECT_NE(logged.find("malformed request"), std::string::npos) << logged;
  EXPECT_EQ(logged.find("secret-value"), std::string::npos) << logged;
  EXPECT_EQ(logged.find("Yamada"), std::string::npos) << logged;
}

}  // namespace
}  // namespace hbsync::http
