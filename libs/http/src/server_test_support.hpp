// The fixture of the server tests (server_test.cpp, server_lifecycle_test.cpp,
// server_limits_test.cpp): a started Server with its URL, and handlers that
// answer from another thread.
#pragma once

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

}  // namespace hbsync::http
