// The pure rules of a poll (changes.hpp): remembered state, merge, publish.
#include "changes.hpp"

#include <gtest/gtest.h>

namespace hbsync::poller {
namespace {

ProjectState state(int order, int64_t updated, bool published, std::vector<InvoiceState> inv) {
  return {.order_status = order, .updated_ms = updated, .published = published, .invoices = inv};
}

TEST(ProjectStateTest, EncodesCodesAndIdsOnlyAndReadsBack) {
  const ProjectState s = state(5, 1700000000123, true, {{11, 2, 1700000000999}, {12, 3, 5}});
  const std::string text = encode(s);
  EXPECT_EQ(text, "o5|u1700000000123|p1|11:2:1700000000999,12:3:5");
  auto back = decode(text);
  ASSERT_TRUE(back);
  EXPECT_TRUE(back->same_data(s));
  EXPECT_TRUE(back->published);
  EXPECT_TRUE(decode(encode(state(0, 0, false, {}))));
  for (const char* bad : {"", "o5", "o5|u1|p1", "o5|u1|p1|11:2", "o5|u1|p1|11:2:3,", "x"}) {
    EXPECT_FALSE(decode(bad)) << bad;
  }
}

TEST(ProjectStateTest, LatestIsTheNewestOfProjectAndInvoices) {
  EXPECT_EQ(state(5, 100, false, {{1, 2, 300}, {2, 1, 200}}).latest_ms(), 300);
  EXPECT_EQ(state(5, 400, false, {{1, 2, 300}}).latest_ms(), 400);
}

// F4.5: an invoice-only change keeps the remembered order status and the
// project's other invoices, so the full set can be published.
TEST(MergeTest, InvoiceOnlyChangeKeepsTheFullSet) {
  const auto before = state(5, 100, true, {{1, 2, 100}, {2, 1, 100}});
  const ListedInvoice changed{.id = 2, .project_id = 9, .status = 3, .updated_ms = 200};
  const ProjectState merged = merge(before, nullptr, std::span(&changed, 1), false);
  EXPECT_EQ(merged.order_status, 5);
  EXPECT_EQ(merged.updated_ms, 100);
  ASSERT_EQ(merged.invoices.size(), 2u);
  EXPECT_EQ(merged.invoice_statuses(), (std::vector<int>{2, 3}));
  EXPECT_FALSE(merged.published);
  EXPECT_TRUE(needs_publish(before, merged, true));
}

TEST(MergeTest, TableOfCases) {
  const auto before = state(4, 100, true, {{1, 1, 100}});
  const ListedProject same{.id = 9, .order_status = 4, .updated_ms = 100, .total = "1.0"};
  const ListedProject moved{.id = 9, .order_status = 5, .updated_ms = 150, .total = "1.0"};
  const ListedInvoice new_invoice{.id = 3, .project_id = 9, .status = 1, .updated_ms = 120};
  const ListedInvoice same_invoice{.id = 1, .project_id = 9, .status = 1, .updated_ms = 100};
  struct Case {
    const char* name;
    std::optional<ProjectState> before;
    const ListedProject* project;
    std::vector<ListedInvoice> invoices;
    bool complete;
    bool linked;
    bool publish;
    size_t invoice_count;
  };
  const Case cases[] = {
      {"overlap: listed again unchanged", before, &same, {same_invoice}, false, true, false, 1},
      {"order status changed", before, &moved, {}, false, true, true, 1},
      {"changed but not linked (F4.2)", before, &moved, {}, false, false, false, 1},
      {"a new invoice joins the set", before, nullptr, {new_invoice}, false, true, true, 2},
      {"never seen, linked", std::nullopt, &moved, {}, false, true, true, 0},
      {"seen unlinked, now linked, unchanged",
       state(4, 100, false, {{1, 1, 100}}),
       &same,
       {same_invoice},
       false,
       true,
       true,
       1},
      {"full reconcile replaces the set (invoice deleted)", before, &same, {}, true, true, true, 0},
  };
  for (const auto& c : cases) {
    const ProjectState merged = merge(c.before, c.project, c.invoices, c.complete);
    EXPECT_EQ(needs_publish(c.before, merged, c.linked), c.publish) << c.name;
    EXPECT_EQ(merged.invoices.size(), c.invoice_count) << c.name;
  }
}

}  // namespace
}  // namespace hbsync::poller
