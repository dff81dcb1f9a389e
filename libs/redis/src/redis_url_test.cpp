#include <gtest/gtest.h>

#include <map>

#include "hbsync/redis/redis.hpp"

namespace hbsync::redis {
namespace {

TEST(ParseUrlTest, AcceptedForms) {
  struct Case {
    std::string url;
    std::string host;
    uint16_t port;
    std::string user, password;
    int64_t db;
  };
  const std::vector<Case> cases = {
      {"redis://127.0.0.1:6379/0", "127.0.0.1", 6379, "", "", 0},
      {"redis://localhost", "localhost", 6379, "", "", 0},
      {"redis://redis:6380/", "redis", 6380, "", "", 0},
      {"redis://:s3cret@redis.internal:6379/2", "redis.internal", 6379, "", "s3cret", 2},
      {"redis://s3cret@redis:6379/1", "redis", 6379, "", "s3cret", 1},  // redis-cli's reading
      {"redis://app:s3cret@redis:6379/15", "redis", 6379, "app", "s3cret", 15},
      {"redis://app:p%40ss%3Aw0rd@redis/4", "redis", 6379, "app", "p@ss:w0rd", 4},
      {"redis://:p@ss@redis:7000", "redis", 7000, "", "p@ss", 0},
      {"redis://[::1]:6390/3", "::1", 6390, "", "", 3},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.url);
    const auto endpoint = parse_url(c.url);
    ASSERT_TRUE(endpoint);
    EXPECT_EQ(endpoint->host, c.host);
    EXPECT_EQ(endpoint->port, c.port);
    EXPECT_EQ(endpoint->user, c.user);
    EXPECT_EQ(endpoint->password, c.password);
    EXPECT_EQ(endpoint->db, c.db);
    EXPECT_EQ(endpoint->display().find("s3cret"), std::string::npos);
  }
}

TEST(ParseUrlTest, RejectedForms) {
  for (const std::string url :
       {"", "127.0.0.1:6379", "http://redis:6379", "rediss://redis:6379", "redis://",
        "redis://:pw@", "redis://redis:0", "redis://redis:65536", "redis://redis:port",
        "redis://redis:6379/x", "redis://redis:6379/-1", "redis://redis/0?timeout=1",
        "redis://[::1", "redis://:p%4@redis"}) {
    EXPECT_FALSE(parse_url(url)) << url;
  }
}

TEST(OptionsTest, LoadReadsEveryVariable) {
  config::Loader loader("hbsync-test", "test", 0, nullptr,
                        config::env_from({{"HBSYNC_REDIS_URL", "redis://app:s3cret@cache:6390/5"},
                                          {"HBSYNC_REDIS_CONNECT_TIMEOUT", "250ms"},
                                          {"HBSYNC_REDIS_COMMAND_TIMEOUT", "3s"},
                                          {"HBSYNC_REDIS_POOL_SIZE", "16"}}));
  const Options options = Options::load(loader);
  EXPECT_TRUE(loader.errors().empty());
  EXPECT_EQ(options.url, "redis://app:s3cret@cache:6390/5");
  EXPECT_EQ(options.connect_timeout, std::chrono::milliseconds(250));
  EXPECT_EQ(options.command_timeout, std::chrono::seconds(3));
  EXPECT_EQ(options.pool_size, 16u);
  // The URL may hold a password: --help must not show it.
  EXPECT_EQ(loader.help_text().find("s3cret"), std::string::npos);
}

TEST(OptionsTest, DefaultsAndBadUrl) {
  config::Loader defaults("hbsync-test", "test", 0, nullptr, config::env_from({}));
  const Options options = Options::load(defaults);
  EXPECT_EQ(options.url, "redis://127.0.0.1:6379/0");
  EXPECT_EQ(options.command_timeout, std::chrono::seconds(2));
  EXPECT_EQ(options.pool_size, 4u);

  config::Loader bad("hbsync-test", "test", 0, nullptr,
                     config::env_from({{"HBSYNC_REDIS_URL", "http://:s3cret@cache"}}));
  Options::load(bad);
  ASSERT_EQ(bad.errors().size(), 1u);
  EXPECT_NE(bad.errors()[0].find("HBSYNC_REDIS_URL"), std::string::npos);
  EXPECT_EQ(bad.errors()[0].find("s3cret"), std::string::npos);
}

TEST(ScriptTest, ShaIsTheSha1OfTheSource) {
  // Known value: SHA-1 of "return 1".
  EXPECT_EQ(Script("return 1").sha(), "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
}

}  // namespace
}  // namespace hbsync::redis
