#include "list_query.hpp"

#include <gtest/gtest.h>

namespace hbsync::simboard {
namespace {

http::QueryParams q(std::string_view text) {
  return http::parse_query(text);
}

TEST(ListQuery, PagingDefaultsAndLimits) {
  auto paging = parse_paging({});
  ASSERT_TRUE(paging);
  EXPECT_EQ(paging->page, 1);
  EXPECT_EQ(paging->per_page, kDefaultPerPage);
  EXPECT_EQ(parse_paging(q("page=2&per_page=100"))->per_page, 100);
  EXPECT_EQ(parse_paging(q("per_page=101")).failure().status, 400);
  EXPECT_FALSE(parse_paging(q("per_page=0")));
  EXPECT_FALSE(parse_paging(q("page=0")));
  EXPECT_FALSE(parse_paging(q("page=x")));
}

TEST(ListQuery, PageSlices) {
  int items[5] = {0, 1, 2, 3, 4};
  std::vector<const int*> all;
  for (const int& i : items) all.push_back(&i);
  EXPECT_EQ(page_of(all, Paging{1, 2}).size(), 2u);
  EXPECT_EQ(*page_of(all, Paging{3, 2})[0], 4);
  EXPECT_TRUE(page_of(all, Paging{4, 2}).empty());
}

TEST(ListQuery, InFiltersAreCommaJoinedAndOnlyTheFirstKeyCounts) {
  auto joined = parse_project_filter(q("order_status_in%5B%5D=1%2C2"));
  ASSERT_TRUE(joined);
  EXPECT_EQ(*joined->order_status_in, (std::vector<int64_t>{1, 2}));
  auto repeated = parse_project_filter(q("order_status_in[]=1&order_status_in[]=2"));
  EXPECT_EQ(*repeated->order_status_in, (std::vector<int64_t>{1}));
  EXPECT_FALSE(parse_project_filter(q("order_status_in[]=1,x")));
  // Blank values are no filter at all.
  EXPECT_FALSE(parse_project_filter(q("order_status_in[]="))->order_status_in);
  // Only the bracket form is the filter.
  EXPECT_FALSE(parse_project_filter(q("order_status_in=1"))->order_status_in);
}

TEST(ListQuery, ProjectFilters) {
  auto f = parse_project_filter(
      q("name_cont=abc&client_id_eq=7&management_no_eq=HS-1&project_no_eq=3&include_lost_flg=1&"
        "updated_at_gteq=2024-05-01%2000%3A00%3A00&created_at_lteq=2024-05-02"));
  ASSERT_TRUE(f);
  EXPECT_EQ(*f->name_cont, "abc");
  EXPECT_EQ(*f->client_id_eq, 7);
  EXPECT_EQ(*f->management_no_eq, "HS-1");
  EXPECT_EQ(*f->project_no_eq, 3);
  EXPECT_TRUE(f->include_lost);
  EXPECT_TRUE(f->updated_at.gteq);
  EXPECT_TRUE(f->created_at.lteq);
  EXPECT_FALSE(parse_project_filter(q("include_lost_flg=true")));
  EXPECT_FALSE(parse_project_filter(q("updated_at_gteq=soon")));
  EXPECT_FALSE(parse_project_filter(q("client_id_eq=abc")));
  EXPECT_FALSE(parse_project_filter(q("response_group=huge")));
  EXPECT_FALSE(parse_project_filter(q("include_lost_flg=0"))->include_lost);
}

TEST(ListQuery, ClientAndInvoiceFilters) {
  auto c = parse_client_filter(q("name_disp_cont=x&custom_no_eq=C1&include_archive_flg=1"));
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->include_archived);
  EXPECT_EQ(*c->custom_no_eq, "C1");
  auto i = parse_invoice_filter(
      q("invoice_status_in[]=2,3&project_order_status_in[]=5&invoice_date_gteq=2024-01-01&"
        "project_client_id_eq=4&project_project_no_eq=9"));
  ASSERT_TRUE(i);
  EXPECT_EQ(*i->invoice_status_in, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(*i->project_order_status_in, (std::vector<int64_t>{5}));
  EXPECT_TRUE(i->invoice_date.gteq);
  EXPECT_FALSE(parse_invoice_filter(q("invoice_date_gteq=2024-01-01 00:00:00")));
}

}  // namespace
}  // namespace hbsync::simboard
