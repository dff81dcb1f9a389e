// The embedded console: every file of services/admin/console/ is served with
// its exact bytes, the right Content-Type and the security headers; the
// pages keep to the Content-Security-Policy (no inline script or style, no
// resource from another origin: the console works offline).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "api.hpp"
#include "console_assets.hpp"
#include "console_routes.hpp"

namespace hbsync::admin {
namespace {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

class ConsoleRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override { add_console_routes(router_); }

  http::Response get(const std::string& target, const std::string& if_none_match = "") {
    http::Request request;
    request.method = "GET";
    request.target = target;
    if (!if_none_match.empty()) request.headers.set("If-None-Match", if_none_match);
    http::Response out;
    bool answered = false;
    router_.dispatch(request, [&](http::Response r) {
      out = std::move(r);
      answered = true;
    });
    EXPECT_TRUE(answered) << target;
    return out;
  }

  static std::string header(const http::Response& r, std::string_view name) {
    return std::string(r.headers.get(name).value_or(""));
  }

  http::Router router_;
};

TEST_F(ConsoleRoutesTest, EveryConsoleFileIsEmbeddedWithItsExactBytes) {
  std::map<std::string, std::string> on_disk;
  for (const auto& entry : std::filesystem::directory_iterator(CONSOLE_SOURCE_DIR)) {
    if (entry.is_regular_file()) {
      on_disk[entry.path().filename().string()] = read_file(entry.path());
    }
  }
  ASSERT_TRUE(on_disk.count("index.html") && on_disk.count("app.js") && on_disk.count("app.css"));
  std::map<std::string, std::string> embedded;
  for (const auto& asset : console::assets()) {
    embedded[std::string(asset.name)] = std::string(asset.body);
  }
  EXPECT_EQ(embedded, on_disk);
}

TEST_F(ConsoleRoutesTest, ServesEachFileWithTypeAndSecurityHeaders) {
  const std::map<std::string, std::pair<std::string, std::string>> expected{
      {"/", {"index.html", "text/html; charset=utf-8"}},
      {"/app.js", {"app.js", "text/javascript; charset=utf-8"}},
      {"/app.css", {"app.css", "text/css; charset=utf-8"}},
  };
  for (const auto& [target, file_and_type] : expected) {
    SCOPED_TRACE(target);
    const http::Response r = get(target);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, read_file(std::filesystem::path(CONSOLE_SOURCE_DIR) / file_and_type.first));
    EXPECT_EQ(header(r, "Content-Type"), file_and_type.second);
    EXPECT_EQ(header(r, "Content-Security-Policy"), kConsoleContentSecurityPolicy);
    EXPECT_EQ(header(r, "X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(header(r, "X-Frame-Options"), "DENY");
    EXPECT_EQ(header(r, "Cache-Control"), "no-cache");
    EXPECT_FALSE(header(r, "ETag").empty());
  }
  for (const auto& asset : console::assets()) {
    EXPECT_NE(console_content_type(asset.name), "application/octet-stream") << asset.name;
  }
}

TEST_F(ConsoleRoutesTest, ThePolicyAllowsNothingInlineAndNoOtherOrigin) {
  const std::string csp(kConsoleContentSecurityPolicy);
  EXPECT_NE(csp.find("default-src 'none'"), std::string::npos);
  EXPECT_NE(csp.find("script-src 'self'"), std::string::npos);
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_EQ(csp.find("unsafe"), std::string::npos);
  EXPECT_EQ(csp.find("http"), std::string::npos);
}

TEST_F(ConsoleRoutesTest, AnUnchangedFileIsRevalidatedWith304) {
  const http::Response first = get("/app.js");
  const http::Response again = get("/app.js", header(first, "ETag"));
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(header(again, "Content-Security-Policy"), kConsoleContentSecurityPolicy);
  EXPECT_EQ(get("/app.js", "\"0000000000000000\"").status, 200);
  EXPECT_NE(header(get("/"), "ETag"), header(first, "ETag"));
}

TEST_F(ConsoleRoutesTest, UnknownPathsAreNotFound) {
  EXPECT_EQ(get("/nothing.js").status, 404);
  EXPECT_EQ(get("/console/app.js").status, 404);
}

// The page keeps to the policy: a script only by src from this origin, no
// inline script, event handler attribute, style element or attribute, and
// nothing loaded from another origin.
TEST_F(ConsoleRoutesTest, IndexHtmlNeedsNothingThePolicyForbids) {
  const std::string html = get("/").body;
  const std::regex script_tag(R"(<script\b[^>]*>)", std::regex::icase);
  int scripts = 0;
  for (std::sregex_iterator it(html.begin(), html.end(), script_tag), end; it != end; ++it) {
    ++scripts;
    EXPECT_TRUE(std::regex_search(it->str(), std::regex(R"(src="/[a-z0-9_.-]+\.js")")))
        << it->str();
  }
  EXPECT_GE(scripts, 1);
  EXPECT_FALSE(std::regex_search(html, std::regex(R"(<script\b[^>]*>[^<\s])", std::regex::icase)));
  EXPECT_FALSE(std::regex_search(html, std::regex(R"(\son[a-z]+\s*=)", std::regex::icase)));
  EXPECT_FALSE(std::regex_search(html, std::regex(R"(<style\b|\sstyle\s*=)", std::regex::icase)));
  EXPECT_FALSE(std::regex_search(html, std::regex(R"((src|href)\s*=\s*"(https?:)?//)")));
  EXPECT_FALSE(std::regex_search(html, std::regex(R"(javascript:)", std::regex::icase)));
  EXPECT_NE(html.find("lang=\"ja\""), std::string::npos);
}

}  // namespace
}  // namespace hbsync::admin
