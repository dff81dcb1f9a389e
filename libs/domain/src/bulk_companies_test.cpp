// SPEC F5: batches of 100, linked clients skipped, exact-name matching.
#include "hbsync/domain/bulk_companies.hpp"

#include <gtest/gtest.h>

#include <numeric>

namespace hbsync::domain::bulk {
namespace {

std::vector<int64_t> range(int64_t from, int64_t to) {
  std::vector<int64_t> ids(static_cast<size_t>(to - from + 1));
  std::iota(ids.begin(), ids.end(), from);
  return ids;
}

TEST(BulkBatches, TwoHundredFiftyClientsMakeThreeBatchesOfAtMostOneHundred) {
  auto batches = plan_batches(range(1, 250), {});
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0].size(), 100u);
  EXPECT_EQ(batches[1].size(), 100u);
  EXPECT_EQ(batches[2].size(), 50u);
  EXPECT_EQ(batches[0].front(), 1);
  EXPECT_EQ(batches[2].back(), 250);
}

TEST(BulkBatches, LinkedClientsAreSkippedAndIdsSortedOnce) {
  struct Case {
    const char* what;
    std::vector<int64_t> ids;
    std::set<int64_t> linked;
    size_t size;
    std::vector<std::vector<int64_t>> want;
  };
  const std::vector<Case> cases = {
      {"nothing", {}, {}, 100, {}},
      {"all linked: no batch", {1, 2}, {1, 2}, 100, {}},
      {"linked left out", {3, 1, 2}, {2}, 100, {{1, 3}}},
      {"duplicates dropped", {5, 5, 4}, {}, 100, {{4, 5}}},
      {"exact multiple", {1, 2, 3, 4}, {}, 2, {{1, 2}, {3, 4}}},
      {"size 0 means the batch limit", {1}, {}, 0, {{1}}},
  };
  for (const auto& c : cases) EXPECT_EQ(plan_batches(c.ids, c.linked, c.size), c.want) << c.what;
}

TEST(BulkBatches, AFullyLinkedTenantPlansNothing) {
  auto ids = range(1, 250);
  std::set<int64_t> linked(ids.begin(), ids.end());
  EXPECT_TRUE(plan_batches(ids, linked).empty());
}

TEST(BulkNames, ExactNameMatchLinksOneToOne) {
  struct Case {
    const char* what;
    std::vector<Named> clients;
    std::vector<Named> companies;
    std::set<int64_t> taken;
    std::vector<NameMatch> want;
  };
  const std::vector<Case> cases = {
      {"same name", {{1, "株式会社A"}}, {{10, "株式会社A"}}, {}, {{1, 10}}},
      {"case counts", {{1, "Acme"}}, {{10, "ACME"}}, {}, {}},
      {"spaces count", {{1, "Acme"}}, {{10, "Acme "}}, {}, {}},
      {"lowest company id wins", {{1, "A"}}, {{12, "A"}, {11, "A"}}, {}, {{1, 11}}},
      {"a company once: the second client takes the next one",
       {{2, "A"}, {1, "A"}},
       {{11, "A"}, {12, "A"}},
       {},
       {{1, 11}, {2, 12}}},
      {"a company once: none left for the second",
       {{1, "A"}, {2, "A"}},
       {{11, "A"}},
       {},
       {{1, 11}}},
      {"linked companies are not taken", {{1, "A"}}, {{11, "A"}, {12, "A"}}, {11}, {{1, 12}}},
      {"empty names match nothing", {{1, ""}}, {{11, ""}}, {}, {}},
      {"no company", {{1, "A"}}, {}, {}, {}},
      {"duplicate search hits", {{1, "A"}, {2, "A"}}, {{11, "A"}, {11, "A"}}, {}, {{1, 11}}},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(match_exact_names(c.clients, c.companies, c.taken), c.want) << c.what;
  }
}

TEST(BulkOutcome, Codes) {
  EXPECT_EQ(to_string(ClientOutcome::created), "created");
  EXPECT_EQ(to_string(ClientOutcome::linked), "linked");
  EXPECT_EQ(to_string(ClientOutcome::skipped), "skipped");
  EXPECT_EQ(to_string(ClientOutcome::failed), "failed");
}

}  // namespace
}  // namespace hbsync::domain::bulk
