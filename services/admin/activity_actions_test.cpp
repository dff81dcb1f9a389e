// POST /api/v1/history/{id}/retry, sync now and the bulk company sync
// (docs/admin-api.yaml, "history and actions"): what they publish, read back
// from the dev broker, and the status they show.
#include "activity_test_support.hpp"
#include "hbsync/service/hubspot_events.hpp"
#include "hbsync/service/replay.hpp"

namespace hbsync::admin::activity::test {
namespace {

using namespace std::chrono_literals;

class ActionsApi : public ActivityApi {
 protected:
  // The tenant's SyncRequests on sync.requests.
  static std::vector<v1::SyncRequest> requests(const std::string& tenant) {
    std::vector<v1::SyncRequest> out;
    for (const auto& r : records(topics().sync_requests, tenant)) {
      v1::SyncRequest request;
      EXPECT_TRUE(request.ParseFromString(r.value));
      EXPECT_EQ(r.header(service::dlq::kSchemaHeader).value_or(""), "hbsync.v1.SyncRequest");
      out.push_back(request);
    }
    return out;
  }

  static std::string request_id(const ClientResponse& r) {
    const auto d = json(r);
    return d.IsObject() && d.HasMember("request_id") ? d["request_id"].GetString() : "";
  }

  // Services as the stack's, but with a producer whose broker never answers.
  struct KafkaDown {
    kafka::Producer producer;
    Services services;
    explicit KafkaDown(kafka::ProducerOptions o)
        : producer(o),
          services{.config = stack().services().config,
                   .redis = stack().services().redis,
                   .store = stack().services().store,
                   .producer = producer,
                   .topics = stack().services().topics,
                   .board = stack().services().board,
                   .hubspot = stack().services().hubspot,
                   .oauth = stack().services().oauth,
                   .tokens = stack().services().tokens,
                   .history = stack().services().history,
                   .sessions = stack().services().sessions,
                   .now_ms = stack().services().now_ms} {}
  };
  static kafka::ProducerOptions unreachable() {
    kafka::ProducerOptions o;
    o.client.brokers = "127.0.0.1:" + std::to_string(hbsync::testing::free_port());
    o.client.client_id = "admin-activity-test-down";
    o.delivery_timeout = 1500ms;
    return o;
  }
};

// A handler's answer as the browser gets it: the session layer (api.cpp)
// adds Cache-Control to every API answer.
ClientResponse as_client(const http::Response& r) {
  ClientResponse out{.status = r.status, .headers = r.headers, .body = r.body};
  out.headers.set("Cache-Control", "no-store");
  return out;
}

TEST_F(ActionsApi, RetryOfADealPublishesOneReplayEventAsDlqReplayDoes) {
  const std::string t = stack().make_tenant();
  const std::string id = record(t, {.direction = "hubspot_to_board",
                                    .action = "failed",
                                    .deal_id = 4242,
                                    .reason_code = "company_missing_name",
                                    .attempts = 3});
  const Browser b = stack().sign_in(t);
  const auto r = post(b, "/api/v1/history/" + id + "/retry");
  expect_contract("POST", "/api/v1/history/{id}/retry", r);
  ASSERT_EQ(r.status, 202) << r.body;

  const std::string key = service::hubspot_events_key(std::stoll(t));
  const auto sent = records(topics().hubspot_events, key);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].header(kafka::kReplayHeader).value_or(""), "history:" + id);
  EXPECT_EQ(sent[0].header(service::dlq::kSchemaHeader).value_or(""), "hbsync.v1.HubSpotEvent");
  EXPECT_EQ(sent[0].header(kafka::kCorrelationHeader).value_or(""), request_id(r));
  v1::HubSpotEvent event;
  ASSERT_TRUE(event.ParseFromString(sent[0].value));
  EXPECT_EQ(event.subscription_type(), service::kReplaySubscriptionType);
  EXPECT_EQ(event.portal_id(), std::stoll(t));
  EXPECT_EQ(event.object_id(), 4242);

  // The entry shows the retry; a second click is refused and sends nothing.
  const auto page = get(b, "/api/v1/history");
  expect_contract("GET", "/api/v1/history", page);
  const auto d = json(page);
  EXPECT_GE(d["entries"][0]["retried_at_ms"].GetInt64(), now_ms() - 60000);
  const auto again = post(b, "/api/v1/history/" + id + "/retry");
  expect_contract("POST", "/api/v1/history/{id}/retry", again);
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(error_code(again), "already_retried");
  EXPECT_EQ(records(topics().hubspot_events, key).size(), 1u);
}

TEST_F(ActionsApi, RetryOfAnotherTenantsEntryIsNotFoundAndSendsNothing) {
  const std::string t = stack().make_tenant();
  const std::string other = stack().make_tenant();
  record(t, {.direction = "hubspot_to_board", .action = "created", .deal_id = 1});
  // Stream ids are per tenant: the other's second entry cannot be t's only one.
  record(other, {.direction = "hubspot_to_board", .action = "created", .deal_id = 2});
  const std::string theirs =
      record(other, {.direction = "hubspot_to_board", .action = "failed", .deal_id = 777});
  ASSERT_FALSE(history().find(t, theirs).has_value());
  const Browser b = stack().sign_in(t);
  for (const std::string& id : {theirs, std::string("1-0"), std::string("not-an-id")}) {
    const auto r = post(b, "/api/v1/history/" + id + "/retry");
    expect_contract("POST", "/api/v1/history/{id}/retry", r);
    EXPECT_EQ(r.status, 404) << id;
    EXPECT_EQ(error_code(r), "not_found") << id;
  }
  EXPECT_TRUE(
      records(topics().hubspot_events, service::hubspot_events_key(std::stoll(other))).empty());
  EXPECT_TRUE(records(topics().hubspot_events, service::hubspot_events_key(std::stoll(t))).empty());
  // Its owner still can.
  const auto owner = post(stack().sign_in(other), "/api/v1/history/" + theirs + "/retry");
  EXPECT_EQ(owner.status, 202) << owner.body;
}

TEST_F(ActionsApi, RetryRefusesWhatDidNotFailOrCannotBeRetried) {
  const std::string t = stack().make_tenant();
  const std::string ok =
      record(t, {.direction = "hubspot_to_board", .action = "created", .deal_id = 5});
  const std::string property = record(t, {.direction = "hubspot_to_board",
                                          .action = "failed",
                                          .company_id = 6,
                                          .client_id = 7,
                                          .reason_code = "link_property_hubspot_rejected"});
  const Browser b = stack().sign_in(t);
  for (const auto& [id, code] :
       {std::pair{ok, "not_failed"}, std::pair{property, "not_retryable"}}) {
    const auto r = post(b, "/api/v1/history/" + id + "/retry");
    expect_contract("POST", "/api/v1/history/{id}/retry", r);
    EXPECT_EQ(r.status, 409) << code;
    EXPECT_EQ(error_code(r), code);
  }
  const auto d = json(get(b, "/api/v1/history"));
  EXPECT_FALSE(d["entries"][0]["retryable"].GetBool());  // the property failure
}

TEST_F(ActionsApi, RetryOfBoardToHubSpotFailuresAsksThePoller) {
  const std::string t = stack().make_tenant();
  const std::string update = record(t, {.direction = "board_to_hubspot",
                                        .action = "failed",
                                        .deal_id = 8,
                                        .project_id = 9,
                                        .reason_code = "hubspot_refused"});
  const std::string bulk = record(t, {.direction = "board_to_hubspot",
                                      .action = "failed",
                                      .client_id = 10,
                                      .reason_code = "hubspot_refused",
                                      .command_id = "bulk:companies:run-1"});
  const Browser b = stack().sign_in(t);
  const auto first = post(b, "/api/v1/history/" + update + "/retry");
  expect_contract("POST", "/api/v1/history/{id}/retry", first);
  ASSERT_EQ(first.status, 202) << first.body;
  const auto second = post(b, "/api/v1/history/" + bulk + "/retry");
  ASSERT_EQ(second.status, 202) << second.body;

  const auto sent = requests(t);
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].kind(), v1::SyncRequest::SYNC_NOW);
  EXPECT_EQ(sent[0].request_id(), request_id(first));
  EXPECT_EQ(sent[1].kind(), v1::SyncRequest::BULK_COMPANIES);
  EXPECT_EQ(sent[1].request_id(), request_id(second));
  const auto status = get(b, "/api/v1/sync/status");
  expect_contract("GET", "/api/v1/sync/status", status);
  EXPECT_EQ(json(status)["state"].GetString(), std::string("queued"));
}

TEST_F(ActionsApi, SyncNowWritesOneRequestAndShowsItQueuedUntilARunTakesIt) {
  const std::string t = stack().make_tenant();
  const Browser b = stack().sign_in(t);
  const auto idle = get(b, "/api/v1/sync/status");
  expect_contract("GET", "/api/v1/sync/status", idle);
  EXPECT_EQ(json(idle)["state"].GetString(), std::string("idle"));

  const int64_t before = now_ms();
  const auto r = post(b, "/api/v1/sync/now");
  expect_contract("POST", "/api/v1/sync/now", r);
  ASSERT_EQ(r.status, 202) << r.body;
  const auto sent = requests(t);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].tenant_id(), t);
  EXPECT_EQ(sent[0].request_id(), request_id(r));
  EXPECT_EQ(sent[0].kind(), v1::SyncRequest::SYNC_NOW);
  EXPECT_EQ(sent[0].requested_by(), "console");
  EXPECT_GE(sent[0].requested_at_ms(), before);

  auto s = get(b, "/api/v1/sync/status");
  expect_contract("GET", "/api/v1/sync/status", s);
  auto d = json(s);
  EXPECT_EQ(d["state"].GetString(), std::string("queued"));
  EXPECT_EQ(d["request_id"].GetString(), request_id(r));

  // The poller takes it (as services/poller/requests.cpp writes its status).
  poll::RunStatus run{.state = "running",
                      .kind = "sync_now",
                      .run_id = "run-1",
                      .request_id = request_id(r),
                      .started_at_ms = now_ms()};
  poll::write_status(stack().redis(), t, run);
  s = get(b, "/api/v1/sync/status");
  expect_contract("GET", "/api/v1/sync/status", s);
  EXPECT_EQ(json(s)["state"].GetString(), std::string("running"));
  run.state = "succeeded";
  run.finished_at_ms = run.started_at_ms + 1500;
  run.projects_seen = 12;
  run.published = 3;
  run.calls = 4;
  poll::write_status(stack().redis(), t, run);
  s = get(b, "/api/v1/sync/status");
  expect_contract("GET", "/api/v1/sync/status", s);
  d = json(s);
  EXPECT_EQ(d["state"].GetString(), std::string("succeeded"));
  EXPECT_EQ(d["run_id"].GetString(), std::string("run-1"));
  EXPECT_EQ(d["published"].GetInt64(), 3);
  EXPECT_EQ(d["last_success_at_ms"].GetInt64(), run.finished_at_ms);
}

TEST_F(ActionsApi, BulkCompanySyncWritesOneRequestAndShowsItsProgress) {
  const std::string t = stack().make_tenant();
  const Browser b = stack().sign_in(t);
  auto s = get(b, "/api/v1/bulk-sync/companies");
  expect_contract("GET", "/api/v1/bulk-sync/companies", s);
  EXPECT_EQ(json(s)["state"].GetString(), std::string("idle"));

  const auto r = post(b, "/api/v1/bulk-sync/companies");
  expect_contract("POST", "/api/v1/bulk-sync/companies", r);
  ASSERT_EQ(r.status, 202) << r.body;
  const auto sent = requests(t);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].kind(), v1::SyncRequest::BULK_COMPANIES);
  EXPECT_EQ(sent[0].request_id(), request_id(r));
  s = get(b, "/api/v1/bulk-sync/companies");
  expect_contract("GET", "/api/v1/bulk-sync/companies", s);
  auto d = json(s);
  EXPECT_EQ(d["state"].GetString(), std::string("queued"));
  EXPECT_EQ(d["request_id"].GetString(), request_id(r));
  EXPECT_EQ(d["total"].GetInt64(), 0);

  // The poller runs it (libs/bulk status: the request id is the run id).
  stack().redis().command({"HSET",          bulk::status_key(t),
                           "run_id",        request_id(r),
                           "state",         "running",
                           "total",         "10",
                           "done",          "4",
                           "created",       "2",
                           "linked",        "1",
                           "skipped",       "0",
                           "failed",        "1",
                           "started_at_ms", std::to_string(now_ms())});
  s = get(b, "/api/v1/bulk-sync/companies");
  expect_contract("GET", "/api/v1/bulk-sync/companies", s);
  d = json(s);
  EXPECT_EQ(d["state"].GetString(), std::string("running"));
  EXPECT_EQ(d["run_id"].GetString(), request_id(r));
  EXPECT_EQ(d["total"].GetInt64(), 10);
  EXPECT_EQ(d["done"].GetInt64(), 4);
  EXPECT_EQ(d["failed"].GetInt64(), 1);
}

TEST_F(ActionsApi, WithoutKafkaNothingIsQueuedAndTheRetryStaysOpen) {
  const std::string t = stack().make_tenant();
  const std::string id =
      record(t, {.direction = "hubspot_to_board", .action = "failed", .deal_id = 31});
  KafkaDown down(unreachable());
  Call call;
  call.tenant_id = t;
  using Handler = http::Response (*)(Services&, const Call&);
  for (const auto& [handler, pattern] :
       {std::pair<Handler, const char*>{post_sync_now, "/api/v1/sync/now"},
        std::pair<Handler, const char*>{post_bulk_companies, "/api/v1/bulk-sync/companies"}}) {
    const auto r = as_client(handler(down.services, call));
    expect_contract("POST", pattern, r);
    EXPECT_EQ(r.status, 503) << r.body;
    EXPECT_EQ(error_code(r), "kafka_unavailable");
  }
  call.request.path_params["id"] = id;
  const auto refused = as_client(post_retry(down.services, call));
  expect_contract("POST", "/api/v1/history/{id}/retry", refused);
  EXPECT_EQ(refused.status, 503);

  const Browser b = stack().sign_in(t);
  auto s = get(b, "/api/v1/sync/status");
  expect_contract("GET", "/api/v1/sync/status", s);
  EXPECT_EQ(json(s)["state"].GetString(), std::string("idle"));
  s = get(b, "/api/v1/bulk-sync/companies");
  EXPECT_EQ(json(s)["state"].GetString(), std::string("idle"));
  EXPECT_FALSE(json(get(b, "/api/v1/history"))["entries"][0].HasMember("retried_at_ms"));
  const auto r = post(b, "/api/v1/history/" + id + "/retry");  // the claim was given back
  EXPECT_EQ(r.status, 202) << r.body;
}

}  // namespace
}  // namespace hbsync::admin::activity::test
