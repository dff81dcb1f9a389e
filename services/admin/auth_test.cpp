// Sign-in, sessions and tenancy (SPEC F1.2, F8, section 3 Security):
// HubSpot OAuth through the simulator, the callback's state checks, the
// session layer (expiry, CSRF, isolation), sign-out and disconnect.
#include <gtest/gtest.h>

#include <mutex>
#include <sstream>

#include "hbsync/log/log.hpp"
#include "hbsync/testing/process.hpp"
#include "test_support.hpp"

namespace hbsync::admin::testing {
namespace {

using namespace std::chrono_literals;

rapidjson::Document json(const http::ClientResponse& res) {
  rapidjson::Document doc;
  doc.Parse(res.body.c_str());
  return doc;
}

std::string location(const http::ClientResponse& res) {
  return std::string(res.headers.get("Location").value_or(""));
}

// The parts of a sign-in a test wants to tamper with.
struct SignInStarted {
  std::string nonce;         // the hbsync_oauth cookie
  std::string callback_url;  // where HubSpot sends the browser back (code and state)
};

class AuthTest : public ::testing::Test {
 protected:
  explicit AuthTest(AdminStackOptions options = {}) : stack_(std::move(options)) {}

  // /auth/login, then HubSpot's authorize page for `portal` (approves at once).
  SignInStarted start_sign_in(const std::string& portal) {
    auto login = stack_.send(Browser{}, "GET", "/auth/login");
    EXPECT_EQ(login.status, 302);
    expect_contract("GET", "/auth/login", login);
    SignInStarted s;
    s.nonce = cookie_value(set_cookie(login, "hbsync_oauth").value_or(""));
    http::ClientRequest authorize;
    authorize.url = location(login) + "&portal_id=" + portal;
    http::Client client;
    auto approved = client.send(authorize);
    EXPECT_TRUE(approved.ok() && approved.response.status == 302) << approved.response.body;
    s.callback_url = location(approved.response);
    EXPECT_EQ(s.callback_url.rfind(stack_.base_url() + "/auth/callback?code=", 0), 0u)
        << s.callback_url;
    return s;
  }

  http::ClientResponse callback(const std::string& url, const std::string& nonce) {
    Browser b;
    if (!nonce.empty()) b.cookies["hbsync_oauth"] = nonce;
    auto res = stack_.send(b, "GET", url.substr(stack_.base_url().size()));
    expect_contract("GET", "/auth/callback", res);
    return res;
  }

  // A refused callback: the page, nothing created, no session.
  void expect_refused(const http::ClientResponse& res, int status, const std::string& portal) {
    EXPECT_EQ(res.status, status) << res.body;
    EXPECT_NE(std::string(res.headers.get("Content-Type").value_or("")).find("text/html"),
              std::string::npos);
    EXPECT_NE(res.body.find("HubSpotでログイン"), std::string::npos) << res.body;
    EXPECT_FALSE(set_cookie(res, "hbsync_session")) << "no session on a refused sign-in";
    const auto cleared = set_cookie(res, "hbsync_oauth");
    ASSERT_TRUE(cleared) << "the nonce cookie is cleared";
    EXPECT_TRUE(has_attribute(*cleared, "Max-Age=0")) << *cleared;
    EXPECT_FALSE(stack_.store().get(portal)) << "tenant " << portal << " created";
  }

  http::ClientResponse get_session(const Browser& b) {
    auto res = stack_.send(b, "GET", "/api/v1/session");
    expect_contract("GET", "/api/v1/session", res);
    return res;
  }

  AdminStack stack_;
};

// ---- the whole sign-in ----------------------------------------------------

TEST_F(AuthTest, FirstSignInInstallsTheTenantWithDefaultsAndPipelines) {
  const MadeTenant portal = stack_.make_portal();
  ASSERT_FALSE(stack_.store().get(portal.id));

  const Browser browser = stack_.sign_in_through_hubspot(std::stoll(portal.id));
  ASSERT_EQ(browser.tenant_id, portal.id);

  const auto s = stack_.store().get(portal.id);
  ASSERT_TRUE(s) << "the portal's first sign-in creates its tenant";
  EXPECT_EQ(s->hubspot.hub_id, std::stoll(portal.id));
  EXPECT_EQ(s->hubspot.hub_domain, portal.hub_domain);
  EXPECT_EQ(s->hubspot.user, portal.user);
  EXPECT_FALSE(s->hubspot.access_token.empty());
  EXPECT_FALSE(s->hubspot.refresh_token.empty());
  EXPECT_GT(s->hubspot.expires_at_ms, stack_.services().now_ms());
  EXPECT_TRUE(s->board.api_key.empty()) << "board is connected later (F1.1)";
  ASSERT_EQ(s->pipelines.size(), 1u) << "pipelines loaded from HubSpot (F1.3)";
  EXPECT_EQ(s->pipelines[0].id, "default");
  EXPECT_EQ(s->pipelines[0].stages.size(), default_stages().size());
  EXPECT_TRUE(s->stage_mapping.pipelines.empty());
  EXPECT_EQ(s->amount_sync, tenant::Settings{}.amount_sync) << "defaults";

  const auto res = get_session(browser);
  ASSERT_EQ(res.status, 200) << res.body;
  const auto doc = json(res);
  EXPECT_EQ(std::string(doc["tenant_id"].GetString()), portal.id);
  EXPECT_EQ(std::string(doc["hub_domain"].GetString()), portal.hub_domain);
  EXPECT_EQ(std::string(doc["user"].GetString()), portal.user);
  EXPECT_EQ(std::string(doc["csrf_token"].GetString()), browser.csrf);
  EXPECT_TRUE(doc["hubspot_connected"].GetBool());
  EXPECT_FALSE(doc["board_connected"].GetBool());
}

TEST_F(AuthTest, LoginAndCallbackSetTheirCookiesAndRedirect) {
  const MadeTenant portal = stack_.make_portal();
  auto login = stack_.send(Browser{}, "GET", "/auth/login");
  ASSERT_EQ(login.status, 302);
  const std::string to = location(login);
  EXPECT_EQ(to.rfind(stack_.hubspot().base_url() + "/oauth/authorize?", 0), 0u) << to;
  EXPECT_NE(to.find("state="), std::string::npos) << to;
  EXPECT_NE(to.find("redirect_uri=" + http::url_encode(stack_.base_url() + "/auth/callback")),
            std::string::npos)
      << to;
  const auto oauth = set_cookie(login, "hbsync_oauth");
  ASSERT_TRUE(oauth);
  for (const char* a : {"HttpOnly", "SameSite=Lax", "Secure", "Path=/auth", "Max-Age=600"}) {
    EXPECT_TRUE(has_attribute(*oauth, a)) << a << " missing: " << *oauth;
  }
  EXPECT_EQ(cookie_value(*oauth).size(), 43u) << "32 random bytes, base64url";

  http::ClientRequest authorize;
  authorize.url = to + "&portal_id=" + portal.id;
  http::Client client;
  auto approved = client.send(authorize);
  ASSERT_EQ(approved.response.status, 302);
  auto res = callback(location(approved.response), cookie_value(*oauth));
  ASSERT_EQ(res.status, 302) << res.body;
  EXPECT_EQ(location(res), "/");
  const auto session = set_cookie(res, "hbsync_session");
  ASSERT_TRUE(session);
  for (const char* a : {"HttpOnly", "SameSite=Lax", "Secure", "Path=/"}) {
    EXPECT_TRUE(has_attribute(*session, a)) << a << " missing: " << *session;
  }
  EXPECT_EQ(session->find("Max-Age"), std::string::npos) << "a browser-session cookie";
  const auto cleared = set_cookie(res, "hbsync_oauth");
  ASSERT_TRUE(cleared);
  EXPECT_TRUE(has_attribute(*cleared, "Max-Age=0"));
  EXPECT_EQ(res.headers.get("Referrer-Policy"), "no-referrer");
}

TEST_F(AuthTest, LaterSignInStoresNewTokensAndAccountAndKeepsSettings) {
  const MadeTenant portal = stack_.make_portal();
  const Browser first = stack_.sign_in_through_hubspot(std::stoll(portal.id));
  auto s = stack_.store().get(portal.id);
  ASSERT_TRUE(s);
  const std::string first_token = s->hubspot.access_token;
  s->amount_sync = false;
  s->hubspot.hub_domain = "renamed.example.com";
  ASSERT_TRUE(stack_.store().put(*s, s->version).ok());
  const int64_t version = stack_.store().version(portal.id);

  const Browser second = stack_.sign_in_through_hubspot(std::stoll(portal.id));
  EXPECT_EQ(second.tenant_id, portal.id);
  EXPECT_NE(second.session, first.session);
  const auto after = stack_.store().get(portal.id);
  ASSERT_TRUE(after);
  EXPECT_NE(after->hubspot.access_token, first_token) << "the new tokens are stored";
  EXPECT_EQ(after->hubspot.hub_domain, portal.hub_domain) << "the account as HubSpot names it";
  EXPECT_FALSE(after->amount_sync) << "settings are kept";
  EXPECT_GT(after->version, version);
  EXPECT_EQ(get_session(first).status, 200) << "other browsers stay signed in";
}

TEST_F(AuthTest, SignInAgainInTheSameBrowserEndsItsOldSession) {
  const MadeTenant portal = stack_.make_portal();
  const Browser old = stack_.sign_in_through_hubspot(std::stoll(portal.id));
  SignInStarted s = start_sign_in(portal.id);
  Browser b = old;
  b.cookies["hbsync_oauth"] = s.nonce;
  auto res = stack_.send(b, "GET", s.callback_url.substr(stack_.base_url().size()));
  ASSERT_EQ(res.status, 302) << res.body;
  EXPECT_NE(cookie_value(set_cookie(res, "hbsync_session").value_or("")), old.session);
  EXPECT_EQ(get_session(old).status, 401);
}

// ---- the callback's checks ------------------------------------------------

TEST_F(AuthTest, CallbackRefusesAnotherBrowsersSignIn) {
  const MadeTenant portal = stack_.make_portal();
  const SignInStarted mine = start_sign_in(portal.id);
  const SignInStarted other = start_sign_in(portal.id);
  // The state of one sign-in with the nonce of another browser (login CSRF).
  expect_refused(callback(mine.callback_url, other.nonce), 400, portal.id);
  // The state was used up by that attempt: the right browser cannot finish
  // with it either.
  expect_refused(callback(mine.callback_url, mine.nonce), 400, portal.id);
  // The other sign-in is untouched.
  auto res = callback(other.callback_url, other.nonce);
  EXPECT_EQ(res.status, 302) << res.body;
  EXPECT_TRUE(stack_.store().get(portal.id));
}

TEST_F(AuthTest, CallbackRefusesMissingUnknownAndReusedStates) {
  const MadeTenant portal = stack_.make_portal();
  const SignInStarted s = start_sign_in(portal.id);
  expect_refused(callback(s.callback_url, ""), 400, portal.id);  // no cookie

  const SignInStarted t = start_sign_in(portal.id);
  const std::string code_only = t.callback_url.substr(0, t.callback_url.find("&state="));
  expect_refused(callback(code_only, t.nonce), 400, portal.id);
  expect_refused(callback(code_only + "&state=forged", t.nonce), 400, portal.id);

  const SignInStarted u = start_sign_in(portal.id);
  ASSERT_EQ(callback(u.callback_url, u.nonce).status, 302);
  stack_.store().remove(portal.id);
  expect_refused(callback(u.callback_url, u.nonce), 400, portal.id);  // replayed
}

TEST_F(AuthTest, CallbackRefusesAnExpiredSignIn) {
  const MadeTenant portal = stack_.make_portal();
  const SignInStarted s = start_sign_in(portal.id);
  // Ten minutes pass: the sign-in state's key expires.
  auto keys = stack_.redis().command({"KEYS", "hbsync:admin:oauth:*"});
  ASSERT_EQ(keys.elements.size(), 1u);
  stack_.redis().command({"PEXPIRE", keys.elements[0].str, "1"});
  ASSERT_TRUE(hbsync::testing::wait_for(
      "the sign-in state to expire",
      [&] {
        return stack_.redis().command({"EXISTS", keys.elements[0].str}).integer == 0;
      },
      5s));
  expect_refused(callback(s.callback_url, s.nonce), 400, portal.id);
}

TEST_F(AuthTest, CallbackShowsHubSpotRefusingTheCode) {
  const MadeTenant portal = stack_.make_portal();
  const SignInStarted s = start_sign_in(portal.id);
  const size_t code = s.callback_url.find("code=") + 5;
  std::string url = s.callback_url;
  url.replace(code, url.find('&', code) - code, "not-a-code");
  auto res = callback(url, s.nonce);
  expect_refused(res, 400, portal.id);
  EXPECT_NE(res.body.find("認可コード"), std::string::npos) << res.body;
}

class UnreachableHubSpotTest : public AuthTest {
 protected:
  UnreachableHubSpotTest()
      : AuthTest({.env = {{"HBSYNC_HUBSPOT_API_URL",
                           "http://127.0.0.1:" + std::to_string(hbsync::testing::free_port())},
                          {"HBSYNC_HUBSPOT_RETRY_MAX_ATTEMPTS", "2"}}}) {}
};

TEST_F(UnreachableHubSpotTest, CallbackAnswers502) {
  const MadeTenant portal = stack_.make_portal();
  const SignInStarted s = start_sign_in(portal.id);
  auto res = callback(s.callback_url, s.nonce);
  expect_refused(res, 502, portal.id);
}

// ---- nothing secret or personal in the logs --------------------------------

class LogCapture {
 public:
  LogCapture() { log::init("admin", log::Level::debug, &out_); }
  ~LogCapture() { log::init("admin", log::Level::info); }
  std::string text() const { return out_.str(); }

 private:
  std::ostringstream out_;
};

TEST_F(AuthTest, LogsNoCodeTokenNonceOrEmail) {
  const MadeTenant portal = stack_.make_portal();
  LogCapture logs;
  const SignInStarted bad = start_sign_in(portal.id);
  callback(bad.callback_url, "wrong-nonce");
  const SignInStarted s = start_sign_in(portal.id);
  ASSERT_EQ(callback(s.callback_url, s.nonce).status, 302);
  const auto stored = stack_.store().get(portal.id);
  ASSERT_TRUE(stored);
  const std::string text = logs.text();
  EXPECT_NE(text.find("admin sign-in"), std::string::npos) << "the sign-in is logged";
  const size_t code = s.callback_url.find("code=") + 5;
  const std::string secrets[] = {s.callback_url.substr(code, s.callback_url.find('&', code) - code),
                                 s.nonce,
                                 bad.nonce,
                                 stored->hubspot.access_token,
                                 stored->hubspot.refresh_token,
                                 portal.user};
  for (const auto& secret : secrets) {
    ASSERT_FALSE(secret.empty());
    EXPECT_EQ(text.find(secret), std::string::npos) << "logged: " << secret;
  }
}

}  // namespace
}  // namespace hbsync::admin::testing
