// The session layer (api.cpp, sessions.cpp) and the admin's settings
// (config.cpp): expiry, CSRF on every state-changing route, one tenant per
// session, sign-out and disconnect, cookie and URL rules.
#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <cstdio>

#include "test_support.hpp"

namespace hbsync::admin::testing {
namespace {

using namespace std::chrono_literals;

std::string session_key(const std::string& id) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(id.data()), id.size(), digest);
  std::string out = "hbsync:admin:session:";
  char byte[3];
  for (unsigned char b : digest) {
    std::snprintf(byte, sizeof byte, "%02x", b);
    out += byte;
  }
  return out;
}

std::string error_code(const http::ClientResponse& res) {
  rapidjson::Document doc;
  doc.Parse(res.body.c_str());
  if (!doc.IsObject() || !doc.HasMember("error") || !doc["error"].IsObject()) return "";
  return doc["error"]["code"].GetString();
}

// A concrete path for a pattern ("{id}" -> "x1").
std::string path_of(std::string pattern) {
  for (size_t at = pattern.find('{'); at != std::string::npos; at = pattern.find('{')) {
    pattern.replace(at, pattern.find('}', at) - at + 1, "x1");
  }
  return pattern;
}

bool changes_state(const std::string& method) {
  return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

class SessionTest : public ::testing::Test {
 protected:
  int64_t pttl(const std::string& key) { return stack_.redis().command({"PTTL", key}).integer; }

  http::ClientResponse get_session(const Browser& b) {
    auto res = stack_.send(b, "GET", "/api/v1/session");
    expect_contract("GET", "/api/v1/session", res);
    return res;
  }

  AdminStack stack_;
};

TEST_F(SessionTest, EveryRequestStartsTheSessionsLifetimeAgain) {
  const std::string tenant = stack_.make_tenant();
  const Browser b = stack_.sign_in(tenant);
  const std::string key = session_key(b.session);
  const std::string set = tenant::keys::tenant(tenant, "admin_sessions");
  const int64_t ttl = stack_.config().session_ttl.count();
  ASSERT_GT(pttl(key), ttl - 60000);
  // Most of the lifetime passes without a request.
  stack_.redis().command({"PEXPIRE", key, "5000"});
  stack_.redis().command({"PEXPIRE", set, "5000"});
  ASSERT_EQ(get_session(b).status, 200);
  EXPECT_GT(pttl(key), ttl - 60000) << "sliding expiry: a full lifetime again";
  EXPECT_GT(pttl(set), ttl - 60000) << "disconnect still finds the session";
}

TEST_F(SessionTest, AnExpiredOrUnknownSessionIs401) {
  const std::string tenant = stack_.make_tenant();
  const Browser b = stack_.sign_in(tenant);
  const std::string key = session_key(b.session);
  stack_.redis().command({"PEXPIRE", key, "1"});
  ASSERT_TRUE(hbsync::testing::wait_for(
      "the session to expire",
      [&] {
        return stack_.redis().command({"EXISTS", key}).integer == 0;
      },
      5s));
  auto res = get_session(b);
  EXPECT_EQ(res.status, 401);
  EXPECT_EQ(error_code(res), "unauthenticated");

  Browser forged = stack_.sign_in(tenant);
  forged.session = std::string(43, 'A');
  EXPECT_EQ(get_session(forged).status, 401);
  forged.session = std::string(4096, 'A');
  EXPECT_EQ(get_session(forged).status, 401);
}

TEST_F(SessionTest, EveryApiRouteNeedsASession) {
  for (const auto& [method, pattern] : stack_.api().routes()) {
    auto res = stack_.send(Browser{}, method, path_of(pattern), changes_state(method) ? "{}" : "");
    EXPECT_EQ(res.status, 401) << method << " " << pattern << ": " << res.body;
    EXPECT_EQ(error_code(res), "unauthenticated") << method << " " << pattern;
    expect_contract(method, pattern, res);
  }
}

TEST_F(SessionTest, EveryStateChangingRouteNeedsTheSessionsCsrfToken) {
  const std::string tenant = stack_.make_tenant();
  const std::string other = stack_.make_tenant();
  const Browser b = stack_.sign_in(tenant);
  Browser wrong = b;
  wrong.csrf = stack_.sign_in(other).csrf;  // a real token, of another session
  int checked = 0;
  for (const auto& [method, pattern] : stack_.api().routes()) {
    if (!changes_state(method)) continue;
    ++checked;
    for (const auto& [browser, csrf] : {std::pair{b, false}, std::pair{wrong, true}}) {
      auto res = stack_.send(browser, method, path_of(pattern), "{}", csrf);
      EXPECT_EQ(res.status, 403) << method << " " << pattern << ": " << res.body;
      EXPECT_EQ(error_code(res), "csrf") << method << " " << pattern;
      expect_contract(method, pattern, res);
    }
  }
  EXPECT_GE(checked, 2) << "sign-out and disconnect at least";
  // Nothing happened: still signed in, still connected.
  EXPECT_EQ(get_session(b).status, 200);
  EXPECT_TRUE(stack_.store().get(tenant)->hubspot.connected());
}

TEST_F(SessionTest, ASessionSeesOnlyItsOwnTenant) {
  const std::string a = stack_.make_tenant();
  const std::string b = stack_.make_tenant();
  Browser browser = stack_.sign_in(a);
  // Naming the other tenant anywhere in the request changes nothing.
  browser.cookies["tenant_id"] = b;
  http::ClientRequest r;
  r.url = stack_.base_url() + "/api/v1/session?tenant_id=" + b;
  r.headers.set("Cookie", browser.cookie_header());
  r.headers.set("X-Tenant-Id", b);
  auto res = stack_.raw(r);
  ASSERT_EQ(res.status, 200) << res.body;
  expect_contract("GET", "/api/v1/session", res);
  rapidjson::Document doc;
  doc.Parse(res.body.c_str());
  EXPECT_EQ(std::string(doc["tenant_id"].GetString()), a);
  EXPECT_EQ(std::string(doc["hub_domain"].GetString()), stack_.tenant(a).hub_domain);
  EXPECT_EQ(res.body.find(stack_.tenant(b).hub_domain), std::string::npos);

  // A's disconnect leaves B alone.
  const Browser of_b = stack_.sign_in(b);
  auto gone = stack_.send(stack_.sign_in(a), "POST", "/api/v1/hubspot/disconnect");
  ASSERT_EQ(gone.status, 204) << gone.body;
  EXPECT_TRUE(stack_.store().get(b)->hubspot.connected());
  EXPECT_EQ(get_session(of_b).status, 200);
}

TEST_F(SessionTest, SignOutEndsTheSessionAndClearsTheCookie) {
  const std::string tenant = stack_.make_tenant();
  const Browser b = stack_.sign_in(tenant);
  const Browser other_tab = stack_.sign_in(tenant);
  auto res = stack_.send(b, "DELETE", "/api/v1/session");
  ASSERT_EQ(res.status, 204) << res.body;
  expect_contract("DELETE", "/api/v1/session", res);
  const auto cleared = set_cookie(res, "hbsync_session");
  ASSERT_TRUE(cleared);
  EXPECT_EQ(cookie_value(*cleared), "");
  EXPECT_TRUE(has_attribute(*cleared, "Max-Age=0"));
  EXPECT_TRUE(has_attribute(*cleared, "Path=/"));
  EXPECT_EQ(get_session(b).status, 401);
  EXPECT_EQ(get_session(other_tab).status, 200) << "only this browser signs out";
  EXPECT_EQ(stack_.send(b, "DELETE", "/api/v1/session").status, 401);
}

TEST_F(SessionTest, DisconnectRemovesTheTokensAndEndsEverySessionOfTheTenant) {
  const std::string tenant = stack_.make_tenant();
  const Browser b = stack_.sign_in(tenant);
  const Browser other_tab = stack_.sign_in(tenant);
  const int64_t version = stack_.store().version(tenant);
  auto res = stack_.send(b, "POST", "/api/v1/hubspot/disconnect");
  ASSERT_EQ(res.status, 204) << res.body;
  expect_contract("POST", "/api/v1/hubspot/disconnect", res);
  EXPECT_TRUE(has_attribute(set_cookie(res, "hbsync_session").value_or(""), "Max-Age=0"));
  const auto s = stack_.store().get(tenant);
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->hubspot.connected());
  EXPECT_TRUE(s->hubspot.access_token.empty() && s->hubspot.refresh_token.empty());
  EXPECT_GT(s->version, version);
  EXPECT_EQ(s->board.api_key, stack_.tenant(tenant).board_api_key) << "the rest is kept";
  EXPECT_EQ(get_session(b).status, 401);
  EXPECT_EQ(get_session(other_tab).status, 401);

  // Signing in again connects again.
  const Browser again = stack_.sign_in_through_hubspot(std::stoll(tenant));
  EXPECT_EQ(again.tenant_id, tenant);
  EXPECT_TRUE(stack_.store().get(tenant)->hubspot.connected());
}

TEST_F(SessionTest, ARemovedTenantsSessionEnds) {
  const std::string tenant = stack_.make_tenant();
  const Browser b = stack_.sign_in(tenant);
  ASSERT_TRUE(stack_.store().remove(tenant));
  auto res = get_session(b);
  EXPECT_EQ(res.status, 401);
  EXPECT_EQ(stack_.redis().command({"EXISTS", session_key(b.session)}).integer, 0);
}

class InsecureCookieTest : public ::testing::Test {
 protected:
  AdminStack stack_{{.env = {{"HBSYNC_ADMIN_COOKIE_SECURE", "false"}}}};
};

TEST_F(InsecureCookieTest, LoopbackDevelopmentCookiesHaveNoSecure) {
  auto login = stack_.send(Browser{}, "GET", "/auth/login");
  const auto oauth = set_cookie(login, "hbsync_oauth");
  ASSERT_TRUE(oauth);
  EXPECT_FALSE(has_attribute(*oauth, "Secure")) << *oauth;
  EXPECT_TRUE(has_attribute(*oauth, "HttpOnly")) << *oauth;
}

// ---- config.cpp ------------------------------------------------------------

std::vector<std::string> load_errors(const std::map<std::string, std::string>& env,
                                     Config* out = nullptr) {
  config::Loader loader("hbsync-admin", "test", 0, nullptr,
                        [&](const std::string& name) -> std::optional<std::string> {
                          auto it = env.find(name);
                          if (it == env.end()) return std::nullopt;
                          return it->second;
                        });
  Config c = Config::load(loader);
  if (out) *out = c;
  return loader.errors();
}

bool names(const std::vector<std::string>& errors, const std::string& variable) {
  for (const auto& e : errors) {
    if (e.find(variable) != std::string::npos) return true;
  }
  return false;
}

TEST(AdminConfigTest, SecureCookiesOffOnlyOnLoopback) {
  for (const char* url : {"http://127.0.0.1:8080", "http://localhost:8080", "http://[::1]:8080",
                          "http://127.0.0.1"}) {
    EXPECT_TRUE(
        load_errors({{"HBSYNC_ADMIN_PUBLIC_URL", url}, {"HBSYNC_ADMIN_COOKIE_SECURE", "false"}})
            .empty())
        << url;
  }
  for (const char* url : {"https://admin.example.com", "http://admin.example.com",
                          "http://127.0.0.1.example.com", "http://localhost.example.com:80"}) {
    EXPECT_TRUE(names(
        load_errors({{"HBSYNC_ADMIN_PUBLIC_URL", url}, {"HBSYNC_ADMIN_COOKIE_SECURE", "false"}}),
        "HBSYNC_ADMIN_COOKIE_SECURE"))
        << url;
  }
  EXPECT_TRUE(names(load_errors({{"HBSYNC_ADMIN_PUBLIC_URL", "http://admin.example.com"}}),
                    "HBSYNC_ADMIN_PUBLIC_URL"))
      << "plain http only on loopback";
}

TEST(AdminConfigTest, PublicUrlIsAnOriginAndTheRedirectUriFollows) {
  Config c;
  EXPECT_TRUE(
      load_errors({{"HBSYNC_ADMIN_PUBLIC_URL", "https://admin.example.com:8443/"}}, &c).empty());
  EXPECT_EQ(c.public_url, "https://admin.example.com:8443");
  EXPECT_EQ(c.redirect_uri(), "https://admin.example.com:8443/auth/callback");
  EXPECT_TRUE(c.cookie_secure);
  for (const char* url : {"https://admin.example.com/console", "https://admin.example.com?x=1",
                          "https://user@admin.example.com", "ftp://admin.example.com", "https://",
                          "admin.example.com"}) {
    EXPECT_TRUE(names(load_errors({{"HBSYNC_ADMIN_PUBLIC_URL", url}}), "HBSYNC_ADMIN_PUBLIC_URL"))
        << url;
  }
}

TEST(AdminConfigTest, SessionTtlBounds) {
  Config c;
  EXPECT_TRUE(load_errors({{"HBSYNC_ADMIN_SESSION_TTL", "30m"}}, &c).empty());
  EXPECT_EQ(c.session_ttl, 30min);
  EXPECT_TRUE(
      names(load_errors({{"HBSYNC_ADMIN_SESSION_TTL", "30s"}}), "HBSYNC_ADMIN_SESSION_TTL"));
  EXPECT_TRUE(names(load_errors({{"HBSYNC_ADMIN_SESSION_TTL", "8d"}}), "HBSYNC_ADMIN_SESSION_TTL"));
}

}  // namespace
}  // namespace hbsync::admin::testing
