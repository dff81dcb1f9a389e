// The fixture of the history and actions tests (admin_activity_test): one
// AdminStack per suite (a real redis-server, the dev Kafka broker, the
// admin's session layer), a tenant per test, and helpers to read what the
// routes published. Every answer is checked against the contract.
#pragma once

#include <rapidjson/document.h>

#include <gtest/gtest.h>

#include <set>

#include "activity_requests.hpp"
#include "activity_retry.hpp"
#include "hbsync/bulk/status.hpp"
#include "hbsync/kafka/reader.hpp"
#include "hbsync/poll/status.hpp"
#include "hbsync/service/dlq_keys.hpp"
#include "hbsync/testing/process.hpp"
#include "test_support.hpp"

namespace hbsync::admin::activity::test {

using hbsync::admin::testing::AdminStack;
using hbsync::admin::testing::Browser;
using hbsync::admin::testing::expect_contract;
using hbsync::history::Entry;
using hbsync::http::ClientResponse;

inline constexpr int64_t kHourMs = 3600LL * 1000;

inline int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline rapidjson::Document json(const ClientResponse& r) {
  rapidjson::Document d;
  d.Parse(r.body.c_str());
  EXPECT_FALSE(d.HasParseError()) << r.body;
  return d;
}

inline std::string error_code(const ClientResponse& r) {
  const auto d = json(r);
  if (!d.IsObject() || !d.HasMember("error")) return {};
  return d["error"]["code"].GetString();
}

class ActivityApi : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { stack_ = new AdminStack(); }
  static void TearDownTestSuite() {
    delete stack_;
    stack_ = nullptr;
  }
  static AdminStack& stack() { return *stack_; }
  static hbsync::history::History& history() { return stack().services().history; }

  // The messages of `topic` with `key`, in order.
  static std::vector<hbsync::kafka::Record> records(const std::string& topic,
                                                    const std::string& key) {
    hbsync::kafka::ReaderOptions o;
    o.client.brokers = stack().kafka_bootstrap();
    o.client.client_id = "admin-activity-test";
    hbsync::kafka::TopicReader reader(o);
    std::vector<hbsync::kafka::Record> out;
    reader.read_all(topic, [&](const hbsync::kafka::Record& r) {
      if (r.key == key) out.push_back(r);
    });
    return out;
  }
  static const hbsync::kafka::Topics& topics() { return stack().services().topics; }

  // The tenant's newest entry id after recording `e`.
  static std::string record(const std::string& tenant, const Entry& e) {
    history().record(tenant, e);
    return history().latest(tenant, 1).at(0).id;
  }

  static ClientResponse get(const Browser& b, const std::string& path) {
    return stack().send(b, "GET", path);
  }
  static ClientResponse post(const Browser& b, const std::string& path) {
    return stack().send(b, "POST", path);
  }

  // Every page of GET /api/v1/history?<query>, each checked; the ids in order.
  static std::vector<std::string> walk(const Browser& b, const std::string& query,
                                       int* pages = nullptr) {
    std::vector<std::string> ids;
    std::string before;
    for (int n = 1; n <= 200; ++n) {
      if (pages) *pages = n;
      const auto r = get(b, "/api/v1/history?" + query + before);
      expect_contract("GET", "/api/v1/history", r);
      if (r.status != 200) return ids;
      const auto d = json(r);
      for (const auto& e : d["entries"].GetArray()) ids.emplace_back(e["id"].GetString());
      if (!d.HasMember("next_before")) return ids;
      before = std::string("&before=") + d["next_before"].GetString();
    }
    ADD_FAILURE() << "paging did not end";
    return ids;
  }

  static inline AdminStack* stack_ = nullptr;
};

}  // namespace hbsync::admin::activity::test
