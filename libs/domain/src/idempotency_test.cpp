#include "hbsync/domain/idempotency.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace hbsync::domain {
namespace {

TEST(IdempotencyKeyTest, DocumentedFormat) {
  EXPECT_EQ(idempotency_key({"t1", command_kind::sync_deal, 123, "order_1", std::nullopt}),
            "v1:t1:sync_deal:123:order_1");
  EXPECT_EQ(
      idempotency_key({"t1", command_kind::update_order_status, 123, "order_5", 1764514800000}),
      "v1:t1:update_order_status:123:order_5:1764514800000");
  EXPECT_EQ(idempotency_key({"t1", command_kind::sync_company, 9, "", std::nullopt}),
            "v1:t1:sync_company:9:");
}

TEST(IdempotencyKeyTest, DeterministicForTheSameIdentity) {
  const CommandIdentity id{"tenant-a", command_kind::update_deal, 55, "closedwon", 1000};
  EXPECT_EQ(idempotency_key(id), idempotency_key(id));
}

TEST(IdempotencyKeyTest, ColonsAndPercentsAreEscaped) {
  EXPECT_EQ(idempotency_key({"a:b", "k", 1, "x%y", std::nullopt}), "v1:a%3Ab:k:1:x%25y");
}

// Different identities must never collide, even with separators in the parts.
TEST(IdempotencyKeyTest, DistinctIdentitiesGiveDistinctKeys) {
  const std::vector<CommandIdentity> ids = {
      {"t", "k", 1, "a", std::nullopt},
      {"t", "k", 1, "b", std::nullopt},
      {"t", "k", 2, "a", std::nullopt},
      {"u", "k", 1, "a", std::nullopt},
      {"t", "j", 1, "a", std::nullopt},
      {"t", "k", 1, "a", 0},
      {"t", "k", 1, "a", 1},
      {"t:k", "1", 1, "a", std::nullopt},
      {"t", "k:1", 1, "a", std::nullopt},
      {"t", "k", 1, "a:1", std::nullopt},
      {"t", "k", 1, "a%3A1", std::nullopt},
  };
  std::set<std::string> keys;
  for (const auto& id : ids) keys.insert(idempotency_key(id));
  EXPECT_EQ(keys.size(), ids.size());
}

// A deal moved A -> B -> A: the two moves to A are different commands.
TEST(IdempotencyKeyTest, RevisionSeparatesRepeatedTargets) {
  const auto first = idempotency_key({"t", command_kind::update_order_status, 7, "order_5", 100});
  const auto again = idempotency_key({"t", command_kind::update_order_status, 7, "order_5", 300});
  EXPECT_NE(first, again);
}

}  // namespace
}  // namespace hbsync::domain
