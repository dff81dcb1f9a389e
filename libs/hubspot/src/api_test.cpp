// The HubSpot client's CRM calls against hbsync-sim-hubspot: typed records,
// retries on rate limits and server errors, the limiter shared by replicas.
#include "api_test_support.hpp"

namespace hbsync::hubspot {
namespace {

TEST_F(HubSpotApiTest, CrmCallsReturnTypedRecords) {
  const Tokens t = issue();
  StaticToken token(t.access_token);
  Api api(options(), http_, *redis_);
  auto portal = api.portal(portal_, token);

  auto owner =
      sim().control("POST", "/_sim/portals/" + portal_ + "/owners",
                    R"({"email":"owner@example.jp","firstName":"Taro","lastName":"Yamada"})");
  const std::string owner_id = owner["id"].GetString();
  const std::string primary =
      create("companies", R"({"properties":{"name":"株式会社サンプル","city":"Tokyo"}})");
  const std::string other = create("companies", R"({"properties":{"name":"Other Co"}})");
  const std::string deal = create(
      "deals",
      R"({"properties":{"dealname":"Deal A","amount":"90000","dealstage":"closedwon","hubspot_owner_id":")" +
          owner_id + R"(","closedate":"2024-03-01T00:00:00Z"},"associations":[{"id":")" + other +
          R"(","primary":false},{"id":")" + primary + R"(","primary":true}]})");

  Result<Deal> d = portal.get_deal(deal);
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->id, deal);
  EXPECT_EQ(d->property("dealname"), "Deal A");
  EXPECT_EQ(d->property("amount"), "90000");
  EXPECT_EQ(d->property("dealstage"), "closedwon");
  EXPECT_EQ(d->property("pipeline"), "default");
  EXPECT_EQ(d->property("hubspot_owner_id"), owner_id);
  EXPECT_TRUE(d->property("closedate"));
  EXPECT_FALSE(d->companies.empty());

  Result<std::vector<domain::CompanyAssociation>> assoc = portal.deal_companies(deal);
  ASSERT_TRUE(assoc) << assoc.error().message;
  ASSERT_EQ(assoc->size(), 2u);
  auto resolved = domain::resolve_company(*assoc);
  ASSERT_EQ(resolved.reason, domain::CompanyReason::primary);
  EXPECT_EQ(std::to_string(*resolved.company_id), primary);

  Result<Company> c = portal.get_company(primary, {"name", "city", "zip"});
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->property("name"), "株式会社サンプル");
  EXPECT_EQ(c->property("city"), "Tokyo");
  EXPECT_EQ(c->property("zip"), std::nullopt);

  Result<BatchResult<Company>> read =
      portal.batch_read_companies({primary, other, "99999999999"}, {"name"});
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(read->status, 207);
  EXPECT_EQ(read->results.size(), 2u);
  EXPECT_EQ(read->failed_ids(), std::vector<std::string>{"99999999999"});

  Result<Owner> o = portal.get_owner(owner_id);
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->email, "owner@example.jp");
  Result<Owner> missing_owner = portal.get_owner("424242");
  ASSERT_FALSE(missing_owner);
  EXPECT_EQ(missing_owner.error().kind, Error::not_found);

  Result<std::vector<Pipeline>> pipelines = portal.deal_pipelines();
  ASSERT_TRUE(pipelines);
  ASSERT_FALSE(pipelines->empty());
  EXPECT_EQ(pipelines->front().id, "default");
  auto dp = pipelines->front().to_domain();
  EXPECT_TRUE(std::any_of(pipelines->front().stages.begin(), pipelines->front().stages.end(),
                          [](const Stage& s) { return s.id == "closedwon" && s.is_closed; }));
  EXPECT_EQ(dp.stages.size(), pipelines->front().stages.size());

  Result<Deal> updated =
      portal.update_deal(deal, {{"amount", "120000"}, {"dealstage", "closedlost"}});
  ASSERT_TRUE(updated) << updated.error().message;
  EXPECT_EQ(updated->property("amount"), "120000");
  Result<Deal> bad = portal.update_deal(deal, {{"no_such_property", "x"}});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind, Error::validation);
  EXPECT_EQ(bad.error().category, "VALIDATION_ERROR");
  EXPECT_EQ(bad.error().attempts, 1);

  // 207: the missing deal is reported by id, the other applied.
  Result<BatchResult<Deal>> batch =
      portal.batch_update_deals({{.id = deal, .properties = {{"amount", "130000"}}},
                                 {.id = "88888888888", .properties = {{"amount", "1"}}}});
  ASSERT_TRUE(batch) << batch.error().message;
  EXPECT_EQ(batch->status, 207);
  ASSERT_EQ(batch->results.size(), 1u);
  EXPECT_EQ(batch->results[0].property("amount"), "130000");
  EXPECT_EQ(batch->failed_ids(), std::vector<std::string>{"88888888888"});

  // Link property: create, then a second create finds it (409) and accepts it.
  Result<std::vector<PropertyDefinition>> props = portal.company_properties();
  ASSERT_TRUE(props);
  EXPECT_TRUE(std::any_of(props->begin(), props->end(), [](const PropertyDefinition& p) {
    return p.name == "name" && p.single_line_text();
  }));
  NewProperty link{.name = "board_client_url", .label = "board 顧客URL"};
  Result<PropertyCreated> created = portal.create_company_property(link);
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_FALSE(created->already_existed);
  Result<PropertyCreated> existing = portal.create_company_property(link);
  ASSERT_TRUE(existing) << existing.error().message;
  EXPECT_TRUE(existing->already_existed);
  Result<PropertyCreated> wrong_type =
      portal.create_company_property({.name = "numberofemployees", .label = "x"});
  ASSERT_FALSE(wrong_type);
  EXPECT_EQ(wrong_type.error().kind, Error::conflict);

  Result<Company> linked =
      portal.update_company(primary, {{"board_client_url", "https://the-board.jp/clients/1"}});
  ASSERT_TRUE(linked) << linked.error().message;
  EXPECT_EQ(linked->property("board_client_url"), "https://the-board.jp/clients/1");

  // F5: exact-name search (EQ ignores case; we do not), then batch create.
  create("companies", R"({"properties":{"name":"other co"}})");
  Result<std::vector<Company>> found = portal.search_companies_by_name("Other Co");
  ASSERT_TRUE(found) << found.error().message;
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ(found->front().id, other);
  Result<BatchResult<Company>> made =
      portal.batch_create_companies({{{"name", "New A"}}, {{"name", "New B"}, {"city", "Osaka"}}});
  ASSERT_TRUE(made) << made.error().message;
  EXPECT_EQ(made->status, 201);
  EXPECT_EQ(made->results.size(), 2u);
  EXPECT_FALSE(made->partial());

  const CallCounts calls = api.calls();
  EXPECT_EQ(calls.by_operation.at("deals.get"), 1u);
  EXPECT_EQ(calls.by_operation.at("deals.companies"), 1u);
  EXPECT_EQ(calls.by_operation.at("companies.search"), 1u);
  EXPECT_EQ(calls.by_operation.count("oauth.token"), 0u);
}

TEST_F(HubSpotApiTest, RateLimitAndServerErrorsAreRetried) {
  StaticToken token(issue().access_token);
  Api api(options(), http_, *redis_);
  auto portal = api.portal(portal_, token);
  const std::string route = "GET /crm/v3/pipelines/{objectType}";

  // 429 storm: Retry-After 1 s honoured each time, every replica penalized.
  sim().control("POST", "/_sim/faults",
                R"({"count":2,"route":")" + route + R"(","status":429,"retry_after":1})");
  const auto started = Clock::now();
  Result<std::vector<Pipeline>> p = portal.deal_pipelines();
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_GE(Clock::now() - started, 1900ms);
  EXPECT_EQ(sim().portal_calls(portal_, route, "429"), 2);
  EXPECT_EQ(sim().portal_calls(portal_, route, "200"), 1);

  sim().control("POST", "/_sim/faults", R"({"count":2,"route":")" + route + R"(","status":503})");
  ASSERT_TRUE(portal.deal_pipelines());
  EXPECT_EQ(sim().portal_calls(portal_, route, "503"), 2);

  // 423: at least 2 s before the retry.
  sim().control("POST", "/_sim/faults", R"({"count":1,"route":")" + route + R"(","status":423})");
  const auto locked = Clock::now();
  ASSERT_TRUE(portal.deal_pipelines());
  EXPECT_GE(Clock::now() - locked, 1900ms);

  // Every request counted under the portal by what HubSpot answered.
  const auto counted = [&](const std::string& outcome) {
    return testing::sample_or_zero(metrics::serialize(),
                                   R"(hbsync_hubspot_tenant_requests_total{outcome=")" + outcome +
                                       R"(",tenant=")" + portal_ + R"("})");
  };
  EXPECT_EQ(counted("429"), 2.0);
  EXPECT_EQ(counted("5xx"), 2.0);
  EXPECT_EQ(counted("4xx"), 1.0);  // the 423
  EXPECT_EQ(counted("2xx"), 3.0);

  // A 429 that outlasts the policy comes back as rate_limited.
  Options impatient = options();
  impatient.retry.max_attempts = 2;
  Api short_api(impatient, http_, *redis_);
  auto short_portal = short_api.portal(portal_, token);
  sim().control("POST", "/_sim/faults",
                R"({"count":5,"route":")" + route + R"(","status":429,"retry_after":1})");
  Result<std::vector<Pipeline>> refused = short_portal.deal_pipelines();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, Error::rate_limited);
  EXPECT_EQ(refused.error().attempts, 2);
}

TEST_F(HubSpotApiTest, SharedLimiterKeepsTwoReplicasInsideTheWindow) {
  StaticToken token(issue().access_token);
  Options o = options();
  o.rate_per_10s = 5;  // 5 per 2 s keeps the test short
  o.rate_window = 2000ms;
  o.rate_margin = 0ms;
  http::Client http_b;
  redis::Client redis_b(redis::Options{.url = redis_server_->url()});
  Api a(o, http_, *redis_), b(o, http_b, redis_b);
  const std::string route = "GET /crm/v3/pipelines/{objectType}";

  std::vector<Clock::time_point> done;
  std::mutex mutex;
  auto burst = [&](Api& api) {
    auto portal = api.portal(portal_, token);
    for (int i = 0; i < 6; ++i) {
      ASSERT_TRUE(portal.deal_pipelines());
      std::lock_guard lock(mutex);
      done.push_back(Clock::now());
    }
  };
  const auto started = Clock::now();
  std::thread ta([&] { burst(a); }), tb([&] { burst(b); });
  ta.join();
  tb.join();
  // 12 calls at 5 per 2 s: the 11th cannot start before 4 s.
  EXPECT_GE(Clock::now() - started, 3900ms);
  std::sort(done.begin(), done.end());
  for (size_t i = 5; i < done.size(); ++i) EXPECT_GE(done[i] - done[i - 5], 1500ms);
  EXPECT_EQ(sim().portal_calls(portal_, route, "200"), 12);
  EXPECT_EQ(sim().portal_calls(portal_, route, "429"), 0);
  auto usage = a.limiter().usage(portal_);
  EXPECT_LE(usage.windows.at(0).used, 5);
}

}  // namespace
}  // namespace hbsync::hubspot
