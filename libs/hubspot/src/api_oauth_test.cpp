// The HubSpot client's OAuth against hbsync-sim-hubspot: install, refresh
// before expiry, one refresh across replicas, a rejected token refreshed once.
#include "api_test_support.hpp"

namespace hbsync::hubspot {
namespace {

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

}  // namespace
}  // namespace hbsync::hubspot
