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

// A decision is part of the identity: the same deal at the same revision
// decided for another company is another command (issue 8 C10).
TEST(IdempotencyKeyTest, DecisionSeparatesCommandsOfOneRevision) {
  const auto a = decision_digest({"company=1", "order=5"});
  const auto b = decision_digest({"company=2", "order=5"});
  ASSERT_NE(a, b);
  const CommandIdentity first{"t", command_kind::sync_deal, 7, "order_5", 100, a};
  const CommandIdentity other{"t", command_kind::sync_deal, 7, "order_5", 100, b};
  EXPECT_NE(idempotency_key(first), idempotency_key(other));
  EXPECT_EQ(idempotency_key(first), "v1:t:sync_deal:7:order_5:100:d" + a);
  // Without a decision the key is what it always was.
  EXPECT_EQ(idempotency_key({"t", command_kind::sync_deal, 7, "order_5", 100}),
            "v1:t:sync_deal:7:order_5:100");
}

TEST(DecisionDigestTest, DeterministicSixteenHexDigits) {
  const auto d = decision_digest({"a", "b"});
  EXPECT_EQ(d, decision_digest({"a", "b"}));
  EXPECT_EQ(d.size(), 16u);
  EXPECT_EQ(d.find_first_not_of("0123456789abcdef"), std::string::npos);
  // Pinned: the digest is part of command ids, which must not change between
  // builds or a deploy would turn every in-flight duplicate into a new command.
  EXPECT_EQ(decision_digest({}), "cbf29ce484222325");
}

TEST(DecisionDigestTest, FieldBoundariesAndOrderMatter) {
  std::set<std::string> digests = {decision_digest({"ab", "c"}),     decision_digest({"a", "bc"}),
                                   decision_digest({"abc"}),         decision_digest({"c", "ab"}),
                                   decision_digest({"ab", "c", ""}), decision_digest({""})};
  EXPECT_EQ(digests.size(), 6u);
}

}  // namespace
}  // namespace hbsync::domain
