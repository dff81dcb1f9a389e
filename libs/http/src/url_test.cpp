#include "hbsync/http/url.hpp"

#include <stdexcept>

#include <gtest/gtest.h>

namespace hbsync::http {
namespace {

TEST(UrlEncode, KeepsUnreservedAndEscapesTheRest) {
  EXPECT_EQ(url_encode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(url_encode("a b&c=d/e?f+g%"), "a%20b%26c%3Dd%2Fe%3Ff%2Bg%25");
  EXPECT_EQ(url_encode("株式会社"), "%E6%A0%AA%E5%BC%8F%E4%BC%9A%E7%A4%BE");
  EXPECT_EQ(url_encode(std::string("\0\xff", 2)), "%00%FF");
}

TEST(UrlDecode, DecodesEscapesAndPlus) {
  EXPECT_EQ(url_decode("a%20b+c"), "a b c");
  EXPECT_EQ(url_decode("a%20b+c", false), "a b+c");
  EXPECT_EQ(url_decode("%E6%A0%AA%e5%bc%8f"), "株式");
}

TEST(UrlDecode, KeepsMalformedEscapesLiterally) {
  EXPECT_EQ(url_decode("100%"), "100%");
  EXPECT_EQ(url_decode("%2"), "%2");
  EXPECT_EQ(url_decode("%zz%41"), "%zzA");
}

TEST(UrlEncode, RoundTripsEveryByte) {
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  EXPECT_EQ(url_decode(url_encode(all)), all);
}

TEST(ParseQuery, KeepsOrderAndRepeatedKeys) {
  auto q = parse_query("?a=1&b=x%20y&a=2&&flag&empty=&c=p+q");
  ASSERT_EQ(q.size(), 6u);
  EXPECT_EQ(q[0], (std::pair<std::string, std::string>{"a", "1"}));
  EXPECT_EQ(q[1], (std::pair<std::string, std::string>{"b", "x y"}));
  EXPECT_EQ(q[2], (std::pair<std::string, std::string>{"a", "2"}));
  EXPECT_EQ(q[3], (std::pair<std::string, std::string>{"flag", ""}));
  EXPECT_EQ(q[4], (std::pair<std::string, std::string>{"empty", ""}));
  EXPECT_EQ(q[5], (std::pair<std::string, std::string>{"c", "p q"}));
  EXPECT_TRUE(parse_query("").empty());
  EXPECT_TRUE(parse_query("?").empty());
}

TEST(ParseQuery, ValueMayContainEquals) {
  auto q = parse_query("token=a=b%3D");
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].second, "a=b=");
}

TEST(BuildQuery, IsTheInverseOfParseQuery) {
  QueryParams params{{"name", "株式会社 A&B"}, {"a", "1"}, {"a", "x=y+z"}, {"", ""}};
  std::string built = build_query(params);
  EXPECT_EQ(built.find(' '), std::string::npos);
  EXPECT_EQ(built.rfind("name=%E6", 0), 0u);
  QueryParams nonempty(params.begin(), params.end() - 1);
  EXPECT_EQ(parse_query(build_query(nonempty)), nonempty);
}

TEST(ParseUrl, SplitsSchemeHostPortTarget) {
  auto u = parse_url("https://api.HubApi.com/crm/v3/objects/deals?limit=10#frag");
  EXPECT_EQ(u.scheme, "https");
  EXPECT_EQ(u.host, "api.hubapi.com");
  EXPECT_EQ(u.port, 443);
  EXPECT_EQ(u.target, "/crm/v3/objects/deals?limit=10");
  EXPECT_TRUE(u.default_port());

  auto v = parse_url("HTTP://127.0.0.1:8080");
  EXPECT_EQ(v.scheme, "http");
  EXPECT_EQ(v.host, "127.0.0.1");
  EXPECT_EQ(v.port, 8080);
  EXPECT_EQ(v.target, "/");
  EXPECT_FALSE(v.default_port());

  auto w = parse_url("http://[::1]:9000?x=1");
  EXPECT_EQ(w.host, "::1");
  EXPECT_EQ(w.port, 9000);
  EXPECT_EQ(w.target, "/?x=1");
  EXPECT_EQ(parse_url("http://example.com").port, 80);
}

TEST(ParseUrl, RejectsWhatItCannotUse) {
  for (const char* bad :
       {"", "example.com/path", "ftp://example.com/", "http://", "http://:80/", "http://host:/",
        "http://host:0/", "http://host:70000/", "http://host:12ab/", "http://user:pw@host/",
        "http://[::1/", "http://host/a b", "http://host/a\r\nX-Injected: 1"}) {
    EXPECT_THROW(parse_url(bad), std::invalid_argument) << bad;
  }
}

}  // namespace
}  // namespace hbsync::http
