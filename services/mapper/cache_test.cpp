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

TEST(TtlCacheTest, StaysWithinItsSizeDroppingExpiredEntriesFirst) {
  auto now = std::chrono::steady_clock::time_point{};
  TtlCache<int, int> cache(
      std::chrono::minutes(10), [&] { return now; }, 3);
  cache.put(1, 1);
  cache.put(2, 2);
  now += std::chrono::minutes(11);  // 1 and 2 expired, still held
  cache.put(3, 3);
  EXPECT_EQ(cache.size(), 3u);
  cache.put(4, 4);  // full: the expired ones go
  EXPECT_EQ(cache.size(), 2u);
  cache.put(5, 5);
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_EQ(cache.get(3), 3);
  EXPECT_EQ(cache.get(4), 4);
  cache.put(6, 6);  // full of live entries: one goes, the new one stays
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_EQ(cache.get(6), 6);
}

}  // namespace
}  // namespace hbsync::mapper
