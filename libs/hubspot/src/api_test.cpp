// Integration tests of the HubSpot client against the real hbsync-sim-hubspot
// and a real redis-server, both started here. Each test works in its own
// portal and app, so limiter keys and per-portal counters are its own.
#include "hbsync/hubspot/api.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "hbsync/domain/company.hpp"
#include "hbsync/hubspot/oauth.hpp"
#include "hbsync/testing/process.hpp"
#include "hbsync/testing/redis_server.hpp"

namespace hbsync::hubspot {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const std::string kRedirect = "https://app.example/callback";

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  EXPECT_FALSE(doc.HasParseError()) << text;
  return doc;
}

class Sim {
 public:
  Sim() {
    char tmpl[] = "/tmp/hbsync-hubspot-api-test-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    const std::string port_file = dir_ + "/port";
    process_ = testing::Process({testing::bin_path("hbsync-sim-hubspot")},
                                {{"HBSYNC_SIM_HUBSPOT_PORT", "0"},
                                 {"HBSYNC_SIM_HUBSPOT_PORT_FILE", port_file},
                                 {"HBSYNC_LOG_LEVEL", "warn"}},
                                dir_ + "/sim.log");
    std::string port;
    const bool up = testing::wait_until(
        [&] {
          std::ifstream in(port_file);
          return static_cast<bool>(in >> port);
        },
        10s);
    if (!up) throw std::runtime_error("hbsync-sim-hubspot did not start; see " + dir_);
    base_ = "http://127.0.0.1:" + port;
  }
  ~Sim() {
    process_.signal(SIGTERM);
    process_.wait(5s);
    std::filesystem::remove_all(dir_);
  }
  const std::string& base_url() const { return base_; }

  http::ClientResponse raw(const std::string& method, const std::string& target,
                           const std::string& body = "") {
    http::ClientRequest request{.method = method, .url = base_ + target, .body = body};
    if (!body.empty()) request.headers.set("Content-Type", "application/json");
    auto result = client_.send(request);
    EXPECT_TRUE(result.ok()) << result.error_message;
    return result.response;
  }
  rapidjson::Document control(const std::string& method, const std::string& target,
                              const std::string& body = "") {
    auto response = raw(method, target, body);
    EXPECT_LT(response.status, 300) << method << " " << target << ": " << response.body;
    return parse(response.body.empty() ? "{}" : response.body);
  }
  // Calls of "METHOD /pattern" with `status` ("" = any), all portals.
  int64_t calls(const std::string& route, const std::string& status = "") {
    auto doc = control("GET", "/_sim/calls");
    if (!doc["routes"].HasMember(route.c_str())) return 0;
    int64_t n = 0;
    for (auto& m : doc["routes"][route.c_str()].GetObject()) {
      if (status.empty() || status == m.name.GetString()) n += m.value.GetInt64();
    }
    return n;
  }
  // Calls of one portal on "METHOD /pattern" with `status` ("" = any).
  int64_t portal_calls(const std::string& portal, const std::string& route,
                       const std::string& status = "") {
    auto doc = control("GET", "/_sim/calls");
    if (!doc["accounts"].HasMember(portal.c_str())) return 0;
    const auto& routes = doc["accounts"][portal.c_str()]["routes"];
    if (!routes.HasMember(route.c_str())) return 0;
    int64_t n = 0;
    for (auto& m : routes[route.c_str()].GetObject()) {
      if (status.empty() || status == m.name.GetString()) n += m.value.GetInt64();
    }
    return n;
  }

 private:
  std::string dir_;
  testing::Process process_;
  std::string base_;
  http::Client client_;
};

retry::Policy fast_retries() {
  return retry::Policy{
      .max_attempts = 6, .initial_delay = 20ms, .max_delay = 200ms, .max_elapsed = 30s};
}

class HubSpotApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    sim_ = new Sim();
    redis_server_ = new testing::RedisServer();
  }
  static void TearDownTestSuite() {
    delete sim_;
    delete redis_server_;
  }

  void SetUp() override {
    static std::atomic<int> counter{0};
    portal_ = std::to_string(70000000 + (::getpid() % 1000) * 100 + ++counter);
    sim().control("POST", "/_sim/portals",
                  R"({"portalId":)" + portal_ + R"(,"hubDomain":"test-)" + portal_ +
                      R"(.example.jp","userEmail":"installer@example.jp"})");
    auto app = sim().control("POST", "/_sim/apps", R"({"redirectUris":[")" + kRedirect + R"("]})");
    app_id_ = app["appId"].GetInt64();
    client_id_ = app["clientId"].GetString();
    client_secret_ = app["clientSecret"].GetString();
    redis_ = std::make_unique<redis::Client>(redis::Options{.url = redis_server_->url()});
    keyring_ = tenant::Keyring::parse("k1:" + tenant::Keyring::generate_key());
    store_ = std::make_unique<tenant::Store>(*redis_, keyring_);
  }
  void TearDown() override { sim().control("DELETE", "/_sim/faults"); }

  Sim& sim() { return *sim_; }

  Options options() {
    Options o;
    o.base_url = sim().base_url();
    o.authorize_url = sim().base_url() + "/oauth/authorize";
    o.client_id = client_id_;
    o.client_secret = client_secret_;
    o.timeout = 5s;
    o.retry = fast_retries();
    return o;
  }

  // A token pair from the simulator (as if installed earlier).
  Tokens issue(int64_t ttl_ms = 0) {
    auto doc = sim().control(
        "POST", "/_sim/portals/" + portal_ + "/tokens",
        R"({"appId":)" + std::to_string(app_id_) + R"(,"ttlMs":)" + std::to_string(ttl_ms) + "}");
    Tokens t{.access_token = doc["access_token"].GetString(),
             .refresh_token = doc["refresh_token"].GetString(),
             .expires_in_s = doc["expires_in"].GetInt64()};
    t.expires_at_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count() +
                      (ttl_ms ? ttl_ms : t.expires_in_s * 1000);
    return t;
  }

  // A tenant for the portal with these tokens in the Store.
  void provision(const Tokens& t) {
    tenant::Settings s;
    s.tenant_id = portal_;
    s.board.api_key = "BKEY-" + portal_;
    s.board.api_token = "BTOK-" + portal_;
    s.board.default_user_id = 7;
    s.hubspot.access_token = t.access_token;
    s.hubspot.refresh_token = t.refresh_token;
    s.hubspot.expires_at_ms = t.expires_at_ms;
    s.hubspot.hub_id = std::stoll(portal_);
    tenant::PutResult put = store_->put(s);
    ASSERT_TRUE(put.ok()) << (put.errors.empty() ? "" : put.errors.front().message);
  }

  std::string create(const std::string& type, const std::string& body) {
    auto doc = sim().control("POST", "/_sim/portals/" + portal_ + "/objects/" + type, body);
    return doc["id"].GetString();
  }

  static Sim* sim_;
  static testing::RedisServer* redis_server_;
  std::string portal_;
  int64_t app_id_ = 0;
  std::string client_id_, client_secret_;
  std::unique_ptr<redis::Client> redis_;
  tenant::Keyring keyring_;
  std::unique_ptr<tenant::Store> store_;
  http::Client http_;
};

Sim* HubSpotApiTest::sim_ = nullptr;
testing::RedisServer* HubSpotApiTest::redis_server_ = nullptr;

TEST_F(HubSpotApiTest, OAuthInstallExchangesCodeAndShowsAccount) {
  Api api(options(), http_, *redis_);
  OAuth oauth(api);
  const std::string state = OAuth::new_state();
  EXPECT_GE(state.size(), 40u);
  EXPECT_NE(state, OAuth::new_state());
  const std::string url = oauth.authorize_url(kRedirect, state) + "&portal_id=" + portal_;
  EXPECT_NE(url.find("scope=crm.objects.companies.read%20"), std::string::npos) << url;

  // The browser's step: the simulator approves at once and redirects.
  auto answer = http_.send({.method = "GET", .url = url});
  ASSERT_TRUE(answer.ok());
  ASSERT_EQ(answer.response.status, 302) << answer.response.body;
  const std::string location(*answer.response.headers.get("Location"));
  ASSERT_EQ(location.rfind(kRedirect + "?", 0), 0u) << location;
  auto query = http::parse_query(location.substr(kRedirect.size() + 1));
  std::string code, echoed;
  for (auto& [k, v] : query) {
    if (k == "code") code = v;
    if (k == "state") echoed = v;
  }
  EXPECT_EQ(echoed, state);

  Result<Tokens> tokens = oauth.exchange_code(code, kRedirect);
  ASSERT_TRUE(tokens) << tokens.error().message;
  EXPECT_FALSE(tokens->access_token.empty());
  EXPECT_FALSE(tokens->refresh_token.empty());
  EXPECT_GT(tokens->expires_in_s, 0);

  Result<TokenInfo> info = oauth.token_info(tokens->access_token);
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(std::to_string(info->hub_id), portal_);
  EXPECT_EQ(info->hub_domain, "test-" + portal_ + ".example.jp");
  EXPECT_EQ(info->user, "installer@example.jp");
  EXPECT_EQ(info->app_id, app_id_);
  EXPECT_FALSE(info->scopes.empty());

  // The code is single-use: HubSpot's 400 status name is the category.
  Result<Tokens> again = oauth.exchange_code(code, kRedirect);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind, Error::validation);
  EXPECT_EQ(again.error().category, "BAD_AUTH_CODE");
  EXPECT_EQ(again.error().attempts, 1);

  EXPECT_EQ(api.calls().by_operation["oauth.token"], 2u);
  EXPECT_EQ(api.calls().by_operation["oauth.token_info"], 1u);
}

TEST_F(HubSpotApiTest, RefreshesBeforeExpiryAndStoresTheNewToken) {
  const Tokens initial = issue(60000);  // inside the 5-minute refresh margin
  provision(initial);
  Api api(options(), http_, *redis_);
  OAuth oauth(api);
  TokenProvider provider(oauth, *store_, *redis_, portal_);
  const int64_t before = sim().calls("POST /oauth/v1/token");

  Result<std::string> token = provider.token();
  ASSERT_TRUE(token) << token.error().message;
  EXPECT_NE(*token, initial.access_token);
  EXPECT_EQ(provider.refreshes(), 1);
  EXPECT_EQ(sim().calls("POST /oauth/v1/token") - before, 1);
  auto stored = store_->get(portal_);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->hubspot.access_token, *token);
  EXPECT_EQ(stored->hubspot.refresh_token, initial.refresh_token);
  EXPECT_GT(stored->hubspot.expires_at_ms, initial.expires_at_ms);
  EXPECT_FALSE(redis_->command({"EXISTS", TokenProvider::lease_key(portal_)}).integer);

  // Fresh now: used as it is.
  Result<std::string> again = provider.token();
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *token);
  EXPECT_EQ(provider.refreshes(), 1);
  auto portal = api.portal(portal_, provider);
  Result<std::vector<Pipeline>> pipelines = portal.deal_pipelines();
  ASSERT_TRUE(pipelines) << pipelines.error().message;
}

TEST_F(HubSpotApiTest, ConcurrentRefreshFromTwoReplicasRefreshesOnce) {
  provision(issue(60000));
  // Two replicas: their own Api, OAuth, provider and Redis connections.
  redis::Client redis_b(redis::Options{.url = redis_server_->url()});
  tenant::Store store_b(redis_b, keyring_);
  http::Client http_b;
  Api api_a(options(), http_, *redis_), api_b(options(), http_b, redis_b);
  OAuth oauth_a(api_a), oauth_b(api_b);
  TokenProvider a(oauth_a, *store_, *redis_, portal_), b(oauth_b, store_b, redis_b, portal_);
  const int64_t before = sim().calls("POST /oauth/v1/token");

  std::vector<std::thread> threads;
  std::vector<std::string> seen(8);
  std::atomic<int> failures{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      Result<std::string> t = (i % 2 ? a : b).token();
      if (t) {
        seen[i] = *t;
      } else {
        ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(a.refreshes() + b.refreshes(), 1);
  EXPECT_EQ(sim().calls("POST /oauth/v1/token") - before, 1);
  for (const auto& s : seen) EXPECT_EQ(s, seen[0]);
}

TEST_F(HubSpotApiTest, RejectedTokenIsRefreshedOnceAndTheCallRetried) {
  const Tokens initial = issue();  // 30 minutes: no refresh due
  provision(initial);
  Api api(options(), http_, *redis_);
  OAuth oauth(api);
  TokenProvider provider(oauth, *store_, *redis_, portal_);
  auto portal = api.portal(portal_, provider);
  ASSERT_TRUE(portal.deal_pipelines());
  EXPECT_EQ(provider.refreshes(), 0);

  sim().control("POST", "/_sim/revoke", R"({"credential":")" + initial.access_token + R"("})");
  Result<std::vector<Pipeline>> pipelines = portal.deal_pipelines();
  ASSERT_TRUE(pipelines) << pipelines.error().message;
  EXPECT_EQ(provider.refreshes(), 1);
  EXPECT_EQ(api.calls().by_operation["pipelines.list"], 3u);  // ok, 401, ok
  EXPECT_NE(store_->get(portal_)->hubspot.access_token, initial.access_token);

  // A private-app token has nothing to refresh with: the 401 is final.
  StaticToken revoked(initial.access_token);
  auto plain = api.portal(portal_, revoked);
  Result<std::vector<Pipeline>> refused = plain.deal_pipelines();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, Error::unauthorized);
  EXPECT_EQ(refused.error().category, "INVALID_AUTHENTICATION");
}

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
