#include "oauth.hpp"

#include <gtest/gtest.h>

namespace hbsync::sim_hubspot {
namespace {

class OAuthTest : public ::testing::Test {
 protected:
  OAuthTest() : store_([this] { return now_; }, std::chrono::minutes(30)) {
    App app;
    app.client_id = "client";
    app.client_secret = "secret";
    app.redirect_uris = {"https://app.example/callback"};
    app_id_ = store_.add_app(app).app_id;
  }

  std::string code() {
    return store_.issue_code(*store_.app(app_id_), "https://app.example/callback",
                             {"crm.objects.deals.read"}, {42, "u@example.com", 7, "x.example"});
  }

  int64_t now_ = 1700000000000;
  OAuthStore store_;
  int64_t app_id_ = 0;
};

TEST_F(OAuthTest, CodeIsSingleUseAndBoundToRedirectUri) {
  std::string c = code();
  http::QueryParams form = {{"grant_type", "authorization_code"},
                            {"client_id", "client"},
                            {"client_secret", "secret"},
                            {"code", c},
                            {"redirect_uri", "https://app.example/other"}};
  EXPECT_EQ(store_.exchange(form).error_status, "BAD_REDIRECT_URI");
  form[4].second = "https://app.example/callback";
  auto grant = store_.exchange(form);
  ASSERT_TRUE(grant.access);
  EXPECT_EQ(grant.access->portal_id, 42);
  EXPECT_EQ(grant.access->expires_ms - now_, 30 * 60 * 1000);
  EXPECT_EQ(store_.exchange(form).error_status, "BAD_AUTH_CODE");
}

TEST_F(OAuthTest, WrongClientCredentialsAreRejected) {
  http::QueryParams form = {{"grant_type", "authorization_code"},
                            {"client_id", "nosuch"},
                            {"client_secret", "secret"},
                            {"code", code()},
                            {"redirect_uri", "https://app.example/callback"}};
  EXPECT_EQ(store_.exchange(form).error_status, "BAD_CLIENT_ID");
  form[1].second = "client";
  form[2].second = "wrong";
  EXPECT_EQ(store_.exchange(form).error_status, "BAD_CLIENT_SECRET");
  form[0].second = "password";
  EXPECT_EQ(store_.exchange(form).error_status, "BAD_GRANT_TYPE");
}

TEST_F(OAuthTest, CodesExpire) {
  std::string c = code();
  now_ += 6 * 60 * 1000;
  http::QueryParams form = {{"grant_type", "authorization_code"},
                            {"client_id", "client"},
                            {"client_secret", "secret"},
                            {"code", c},
                            {"redirect_uri", "https://app.example/callback"}};
  EXPECT_EQ(store_.exchange(form).error_status, "EXPIRED_AUTH_CODE");
}

TEST_F(OAuthTest, AccessTokensExpireAndRefreshKeepsTheRefreshToken) {
  http::QueryParams form = {{"grant_type", "authorization_code"},
                            {"client_id", "client"},
                            {"client_secret", "secret"},
                            {"code", code()},
                            {"redirect_uri", "https://app.example/callback"}};
  auto grant = store_.exchange(form);
  ASSERT_TRUE(grant.access);
  EXPECT_LE(grant.access->token.size(), 300u);
  EXPECT_EQ(store_.lookup(grant.access->token).status, OAuthStore::Status::ok);
  now_ += 30 * 60 * 1000;
  auto expired = store_.lookup(grant.access->token);
  EXPECT_EQ(expired.status, OAuthStore::Status::expired);

  http::QueryParams refresh = {{"grant_type", "refresh_token"},
                               {"client_id", "client"},
                               {"client_secret", "secret"},
                               {"refresh_token", grant.refresh_token}};
  auto renewed = store_.exchange(refresh);
  ASSERT_TRUE(renewed.access);
  EXPECT_NE(renewed.access->token, grant.access->token);
  EXPECT_EQ(renewed.refresh_token, grant.refresh_token);
  EXPECT_EQ(store_.lookup(renewed.access->token).status, OAuthStore::Status::ok);
  refresh[3].second = "nope";
  EXPECT_EQ(store_.exchange(refresh).error_status, "BAD_REFRESH_TOKEN");
  EXPECT_EQ(store_.lookup("unknown").status, OAuthStore::Status::unknown);
}

TEST_F(OAuthTest, StaticTokensNeverExpire) {
  store_.add_static("pat-na1-test", {"crm.objects.deals.read"}, {42, "u", 7, "x"});
  now_ += int64_t{365} * 24 * 3600 * 1000;
  EXPECT_EQ(store_.lookup("pat-na1-test").status, OAuthStore::Status::ok);
}

}  // namespace
}  // namespace hbsync::sim_hubspot
