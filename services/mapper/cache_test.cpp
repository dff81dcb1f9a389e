#include "cache.hpp"

#include <gtest/gtest.h>

#include <string>

namespace hbsync::mapper {
namespace {

TEST(TtlCacheTest, ExpiresAfterTtl) {
  auto now = std::chrono::steady_clock::time_point{};
  TtlCache<std::string, int> cache(std::chrono::minutes(10), [&] { return now; });
  EXPECT_FALSE(cache.get("a"));
  cache.put("a", 1);
  EXPECT_EQ(cache.get("a"), 1);
  now += std::chrono::minutes(9);
  EXPECT_EQ(cache.get("a"), 1);
  now += std::chrono::minutes(1);
  EXPECT_FALSE(cache.get("a"));
  EXPECT_EQ(cache.size(), 0u);
  cache.put("a", 2);
  EXPECT_EQ(cache.get("a"), 2);
}

}  // namespace
}  // namespace hbsync::mapper
