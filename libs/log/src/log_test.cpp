#include "hbsync/log/log.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <regex>
#include <sstream>
#include <thread>

namespace hbsync::log {
namespace {

rapidjson::Document parse(const std::string& line) {
  rapidjson::Document d;
  d.Parse(line.c_str());
  EXPECT_FALSE(d.HasParseError()) << line;
  return d;
}

TEST(LogTest, LineIsJsonWithServiceLevelAndFields) {
  std::ostringstream out;
  init("ingress", Level::debug, &out);
  info("event accepted", {{"events", 3}, {"route", "/webhooks/hubspot"}, {"ok", true}});
  auto d = parse(out.str());
  EXPECT_STREQ(d["service"].GetString(), "ingress");
  EXPECT_STREQ(d["level"].GetString(), "info");
  EXPECT_STREQ(d["msg"].GetString(), "event accepted");
  EXPECT_EQ(d["events"].GetInt(), 3);
  EXPECT_STREQ(d["route"].GetString(), "/webhooks/hubspot");
  EXPECT_TRUE(d["ok"].GetBool());
  ASSERT_TRUE(d.HasMember("ts"));
  EXPECT_TRUE(std::regex_match(d["ts"].GetString(),
                               std::regex(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)")))
      << d["ts"].GetString();
  EXPECT_EQ(out.str().back(), '\n');
}

TEST(LogTest, LevelsBelowMinimumAreDropped) {
  std::ostringstream out;
  init("t", Level::warn, &out);
  info("hidden");
  debug("hidden");
  warn("shown");
  EXPECT_EQ(out.str().find("hidden"), std::string::npos);
  EXPECT_NE(out.str().find("shown"), std::string::npos);
}

TEST(LogTest, ScopeAddsTenantAndCorrelationIdAndRestores) {
  std::ostringstream out;
  init("t", Level::debug, &out);
  {
    Scope outer("portal-1", "corr-1");
    {
      Scope inner("portal-2", "corr-2");
      EXPECT_EQ(current_tenant(), "portal-2");
    }
    info("x");
  }
  info("y");
  std::istringstream lines(out.str());
  std::string first, second;
  std::getline(lines, first);
  std::getline(lines, second);
  auto a = parse(first);
  EXPECT_STREQ(a["tenant"].GetString(), "portal-1");
  EXPECT_STREQ(a["correlation_id"].GetString(), "corr-1");
  auto b = parse(second);
  EXPECT_FALSE(b.HasMember("tenant"));
}

TEST(LogTest, ScopeIsPerThread) {
  Scope s("main-tenant", "c");
  std::string other;
  std::thread([&] { other = current_tenant(); }).join();
  EXPECT_EQ(other, "");
  EXPECT_EQ(current_tenant(), "main-tenant");
}

TEST(LogTest, SecretsAreRedactedAndTextEscaped) {
  std::ostringstream out;
  init("t", Level::debug, &out);
  info(
      "quote \" and newline \n",
      {{"access_token", "abc123"}, {"X-HubSpot-Signature-v3", "sig"}, {"client_secret", "s3cr3t"}});
  EXPECT_EQ(out.str().find("abc123"), std::string::npos);
  EXPECT_EQ(out.str().find("s3cr3t"), std::string::npos);
  EXPECT_EQ(out.str().find("\"sig\""), std::string::npos);
  auto d = parse(out.str());
  EXPECT_STREQ(d["access_token"].GetString(), "[redacted]");
  EXPECT_STREQ(d["msg"].GetString(), "quote \" and newline \n");
}

TEST(LogTest, CorrelationIdsAreRandomHex) {
  auto a = new_correlation_id();
  auto b = new_correlation_id();
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
}

TEST(LogTest, ParseLevel) {
  Level l;
  EXPECT_TRUE(parse_level("warn", l));
  EXPECT_EQ(l, Level::warn);
  EXPECT_FALSE(parse_level("loud", l));
}

}  // namespace
}  // namespace hbsync::log
