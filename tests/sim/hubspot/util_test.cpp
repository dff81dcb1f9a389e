#include "util.hpp"

#include <gtest/gtest.h>

namespace hbsync::sim_hubspot {
namespace {

TEST(Iso8601, FormatsWithMillisecondsAndZ) {
  EXPECT_EQ(iso8601(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(iso8601(1700000000123), "2023-11-14T22:13:20.123Z");
}

TEST(Iso8601, ParsesDatesDatetimesAndOffsets) {
  EXPECT_EQ(parse_iso8601("2024-02-29"), 1709164800000);
  EXPECT_EQ(parse_iso8601("2023-11-14T22:13:20.123Z"), 1700000000123);
  EXPECT_EQ(parse_iso8601("2023-11-14T22:13:20Z"), 1700000000000);
  EXPECT_EQ(parse_iso8601("2023-11-15T07:13:20+09:00"), 1700000000000);
  EXPECT_EQ(parse_iso8601("2023-11-14T22:13"), 1699999980000);
  for (const char* bad : {"", "2023-02-29", "2023-13-01", "2023-11-14T25:00", "2023-11-14 22:13",
                          "2023-11-14T22:13:20.Z", "20231114", "2023-11-14Tx"}) {
    EXPECT_FALSE(parse_iso8601(bad)) << bad;
  }
}

TEST(ParseId, AcceptsOnlyPlainDecimals) {
  EXPECT_EQ(parse_id("10000000001"), 10000000001);
  for (const char* bad : {"", "-1", "+1", "1a", " 1", "1234567890123456789"}) {
    EXPECT_FALSE(parse_id(bad)) << bad;
  }
}

TEST(RandomToken, IsUrlSafeAndUnique) {
  std::string a = random_token(120);
  std::string b = random_token(120);
  EXPECT_EQ(a.size(), 160u);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
            std::string::npos);
  EXPECT_EQ(new_correlation_id().size(), 36u);
}

}  // namespace
}  // namespace hbsync::sim_hubspot
