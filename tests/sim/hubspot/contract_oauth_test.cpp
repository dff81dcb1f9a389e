// OAuth contract: authorize redirect with state, code exchange (single use,
// exact redirect_uri), refresh, token info, expiry and the 401/403 bodies.
#include <gtest/gtest.h>

#include <thread>

#include "contract_support.hpp"
#include "hbsync/http/url.hpp"

namespace hbsync::sim_hubspot::contract {
namespace {

using namespace std::chrono_literals;

constexpr const char* kRedirect = "https://app.example/callback";
const std::string kScopes = "crm.objects.deals.read crm.objects.deals.write oauth";

class OAuthContract : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    sim_ = new SimHubSpot({{"HBSYNC_SIM_HUBSPOT_CLIENT_ID", "demo-client"},
                           {"HBSYNC_SIM_HUBSPOT_CLIENT_SECRET", "demo-secret"},
                           {"HBSYNC_SIM_HUBSPOT_REDIRECT_URIS", kRedirect},
                           {"HBSYNC_SIM_HUBSPOT_TOKEN_TTL", "1s"}});
  }
  static void TearDownTestSuite() {
    delete sim_;
    sim_ = nullptr;
  }

  // The query parameters of the Location of a successful authorize.
  static http::QueryParams authorize(const std::string& extra, Reply* raw = nullptr) {
    Reply reply = sim_->get(
        "/oauth/authorize?client_id=demo-client&redirect_uri=" + http::url_encode(kRedirect) +
            "&scope=" + http::url_encode(kScopes) + extra,
        "");
    if (raw) *raw = reply;
    std::string location = reply.header("Location");
    if (reply.status != 302 || location.rfind(std::string(kRedirect) + "?", 0) != 0) return {};
    return http::parse_query(location.substr(location.find('?') + 1));
  }

  static std::string param(const http::QueryParams& params, const std::string& name) {
    for (const auto& [k, v] : params) {
      if (k == name) return v;
    }
    return "";
  }

  static Reply token(const std::string& form, const std::string& path = "/oauth/v1/token") {
    return sim_->send("POST", path, "", form, "application/x-www-form-urlencoded");
  }

  static std::string code_form(const std::string& code, const std::string& redirect = kRedirect,
                               const std::string& secret = "demo-secret") {
    return "grant_type=authorization_code&client_id=demo-client&client_secret=" + secret +
           "&redirect_uri=" + http::url_encode(redirect) + "&code=" + http::url_encode(code);
  }

  static void expect_oauth_error(const Reply& reply, const std::string& status) {
    EXPECT_EQ(reply.status, 400) << reply.body;
    rapidjson::Document doc = reply.json();
    ASSERT_TRUE(doc.IsObject());
    ASSERT_TRUE(doc.HasMember("status") && doc["status"].IsString());
    EXPECT_EQ(std::string(doc["status"].GetString()), status);
    EXPECT_TRUE(doc.HasMember("message") && doc["message"].IsString());
    EXPECT_TRUE(doc.HasMember("correlationId") && doc["correlationId"].IsString());
  }

  static SimHubSpot* sim_;
};

SimHubSpot* OAuthContract::sim_ = nullptr;

TEST_F(OAuthContract, FullFlowEchoesStateAndIssuesWorkingTokens) {
  const std::string state = "st-123 ü/&=";
  Reply raw;
  auto params = authorize("&portal_id=31&state=" + http::url_encode(state), &raw);
  ASSERT_EQ(raw.status, 302) << raw.body;
  EXPECT_EQ(param(params, "state"), state);
  std::string code = param(params, "code");
  ASSERT_FALSE(code.empty());

  Reply exchanged = token(code_form(code));
  ASSERT_EQ(exchanged.status, 200) << exchanged.body;
  EXPECT_NE(exchanged.header("Content-Type").find("application/json"), std::string::npos);
  rapidjson::Document t = exchanged.json();
  ASSERT_TRUE(t["access_token"].IsString());
  ASSERT_TRUE(t["refresh_token"].IsString());
  ASSERT_TRUE(t["expires_in"].IsInt());
  EXPECT_EQ(t["expires_in"].GetInt(), 1);
  EXPECT_EQ(std::string(t["token_type"].GetString()), "bearer");
  std::string access = t["access_token"].GetString();
  EXPECT_LE(access.size(), 300u);

  Reply info = sim_->get("/oauth/v1/access-tokens/" + access, "");
  ASSERT_EQ(info.status, 200) << info.body;
  rapidjson::Document i = info.json();
  EXPECT_EQ(std::string(i["token"].GetString()), access);
  EXPECT_TRUE(i["user"].IsString());
  EXPECT_TRUE(i["hub_domain"].IsString());
  ASSERT_TRUE(i["scopes"].IsArray());
  EXPECT_EQ(i["scopes"].Size(), 3u);
  ASSERT_TRUE(i["hub_id"].IsInt64());
  EXPECT_EQ(i["hub_id"].GetInt64(), 31);
  EXPECT_TRUE(i["app_id"].IsInt64());
  EXPECT_TRUE(i["expires_in"].IsInt64());
  EXPECT_TRUE(i["user_id"].IsInt64());
  EXPECT_TRUE(i["token_type"].IsString());

  EXPECT_EQ(sim_->get("/crm/v3/pipelines/deals", access).status, 200);
}

TEST_F(OAuthContract, RejectsUnregisteredRedirectAndMismatchedExchange) {
  Reply raw = sim_->get("/oauth/authorize?client_id=demo-client&redirect_uri=" +
                            http::url_encode("https://evil.example/cb") + "&scope=oauth&state=s",
                        "");
  EXPECT_EQ(raw.status, 400);
  EXPECT_TRUE(raw.header("Location").empty());

  std::string code = param(authorize("&portal_id=32"), "code");
  ASSERT_FALSE(code.empty());
  expect_oauth_error(token(code_form(code, "https://app.example/callback/")), "BAD_REDIRECT_URI");
  // Still unused: the right redirect works once, then never again.
  EXPECT_EQ(token(code_form(code)).status, 200);
  expect_oauth_error(token(code_form(code)), "BAD_AUTH_CODE");
}

TEST_F(OAuthContract, RejectsWrongClientSecretUnknownCodeAndJsonBodies) {
  std::string code = param(authorize("&portal_id=33"), "code");
  expect_oauth_error(token(code_form(code, kRedirect, "wrong")), "BAD_CLIENT_SECRET");
  expect_oauth_error(token(code_form("na1-unknown")), "BAD_AUTH_CODE");
  Reply json = sim_->send("POST", "/oauth/v1/token", "",
                          R"({"grant_type":"authorization_code","code":")" + code + "\"}");
  expect_oauth_error(json, "BAD_GRANT_TYPE");
  EXPECT_EQ(token(code_form(code)).status, 200);
}

TEST_F(OAuthContract, V3TokenEndpointHasTheSameShape) {
  std::string code = param(authorize("&portal_id=34"), "code");
  Reply reply = token(code_form(code), "/oauth/v3/token");
  ASSERT_EQ(reply.status, 200) << reply.body;
  rapidjson::Document t = reply.json();
  EXPECT_TRUE(t["access_token"].IsString());
  EXPECT_TRUE(t["refresh_token"].IsString());
  EXPECT_TRUE(t["expires_in"].IsInt());
  EXPECT_EQ(std::string(t["token_type"].GetString()), "bearer");
}

TEST_F(OAuthContract, ExpiredTokenGets401AndRefreshIssuesANewOne) {
  std::string code = param(authorize("&portal_id=35"), "code");
  rapidjson::Document t = token(code_form(code)).json();
  std::string access = t["access_token"].GetString();
  std::string refresh = t["refresh_token"].GetString();
  std::this_thread::sleep_for(1100ms);  // the scenario: the 1 s token lifetime passes

  Reply expired = sim_->get("/crm/v3/pipelines/deals", access);
  EXPECT_EQ(expired.status, 401);
  rapidjson::Document e = expired.json();
  EXPECT_EQ(std::string(e["status"].GetString()), "error");
  EXPECT_EQ(std::string(e["category"].GetString()), "EXPIRED_AUTHENTICATION");
  EXPECT_TRUE(e["correlationId"].IsString());
  EXPECT_NE(std::string(e["message"].GetString()).find("expired"), std::string::npos);

  Reply renewed = token(
      "grant_type=refresh_token&client_id=demo-client&client_secret=demo-secret"
      "&refresh_token=" +
      http::url_encode(refresh));
  ASSERT_EQ(renewed.status, 200) << renewed.body;
  rapidjson::Document r = renewed.json();
  EXPECT_EQ(std::string(r["refresh_token"].GetString()), refresh);
  EXPECT_EQ(sim_->get("/crm/v3/pipelines/deals", r["access_token"].GetString()).status, 200);
  expect_oauth_error(token("grant_type=refresh_token&client_id=demo-client&client_secret=demo-"
                           "secret&refresh_token=nope"),
                     "BAD_REFRESH_TOKEN");
}

TEST_F(OAuthContract, MissingUnknownAndRevokedCredentialsGet401) {
  for (const std::string& bad : {std::string(), std::string("not-a-token")}) {
    Reply reply = sim_->get("/crm/v3/objects/deals/1", bad);
    EXPECT_EQ(reply.status, 401);
    rapidjson::Document e = reply.json();
    EXPECT_EQ(std::string(e["status"].GetString()), "error");
    EXPECT_EQ(std::string(e["category"].GetString()), "INVALID_AUTHENTICATION");
    EXPECT_TRUE(e["message"].IsString());
    EXPECT_TRUE(e["correlationId"].IsString());
  }
  auto tenant = sim_->tenant(36);
  EXPECT_EQ(sim_->get("/crm/v3/pipelines/deals", tenant.token).status, 200);
  ASSERT_EQ(sim_->control("POST", "/_sim/revoke", R"({"credential":"36"})").status, 200);
  EXPECT_EQ(sim_->get("/crm/v3/pipelines/deals", tenant.token).status, 401);
  ASSERT_EQ(sim_->control("POST", "/_sim/unrevoke", R"({"credential":"36"})").status, 200);
  EXPECT_EQ(sim_->get("/crm/v3/pipelines/deals", tenant.token).status, 200);
}

TEST_F(OAuthContract, MissingScopeGets403) {
  std::string code = param(authorize("&portal_id=37"), "code");
  std::string access = token(code_form(code)).json()["access_token"].GetString();
  Reply reply = sim_->get("/crm/v3/objects/companies/1", access);
  EXPECT_EQ(reply.status, 403);
  EXPECT_EQ(std::string(reply.json()["category"].GetString()), "MISSING_SCOPES");
}

}  // namespace
}  // namespace hbsync::sim_hubspot::contract
