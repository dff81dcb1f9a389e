// The links against a real redis-server: both directions, the stored format
// (links written by earlier versions stay readable), the poller's queries.
#include "hbsync/links/links.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>

#include "hbsync/links/keys.hpp"
#include "hbsync/testing/redis_server.hpp"

namespace {

using hbsync::links::DealLink;
using hbsync::links::Links;

class LinksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    redis_ = std::make_unique<hbsync::redis::Client>(hbsync::redis::Options{.url = server_.url()});
    links_ = std::make_unique<Links>(*redis_);
  }
  hbsync::testing::RedisServer server_;
  std::unique_ptr<hbsync::redis::Client> redis_;
  std::unique_ptr<Links> links_;
};

TEST_F(LinksTest, KeysAreTheTenantsFourHashes) {
  EXPECT_EQ(hbsync::links::keys::deal("t1"), "hbsync:tenant:t1:links:deal");
  EXPECT_EQ(hbsync::links::keys::project("t1"), "hbsync:tenant:t1:links:project");
  EXPECT_EQ(hbsync::links::keys::company("t1"), "hbsync:tenant:t1:links:company");
  EXPECT_EQ(hbsync::links::keys::client("t1"), "hbsync:tenant:t1:links:client");
  EXPECT_EQ(Links::links_key("t1", "deal"), hbsync::links::keys::deal("t1"));
}

TEST_F(LinksTest, CompanyLinksAreKeptBothWays) {
  auto& links = *links_;
  EXPECT_FALSE(links.company_link("t1", 10).has_value());
  EXPECT_EQ(links.linked_companies("t1"), 0);
  links.link_company("t1", 10, {.client_id = 500, .url_written = false});
  EXPECT_EQ(links.linked_companies("t1"), 1);
  auto c = links.company_link("t1", 10);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->client_id, 500);
  EXPECT_FALSE(c->url_written);
  EXPECT_EQ(links.company_of_client("t1", 500).value_or(0), 10);
  EXPECT_EQ(redis_->command({"HGET", hbsync::links::keys::company("t1"), "10"}).str, "500,0");
  links.link_company("t1", 10, {.client_id = 500, .url_written = true});
  EXPECT_TRUE(links.company_link("t1", 10)->url_written);
  EXPECT_FALSE(links.company_link("t2", 10).has_value());  // tenants apart
  EXPECT_EQ(links.linked_companies("t1"), 1);              // linked again: still one
  links.unlink_company("t1", 10, 500);
  EXPECT_EQ(links.linked_companies("t1"), 0);
  EXPECT_FALSE(links.company_link("t1", 10).has_value());
  EXPECT_FALSE(links.company_of_client("t1", 500).has_value());
}

TEST_F(LinksTest, DealLinksAreKeptBothWays) {
  auto& links = *links_;
  links.link_deal("t1", 20,
                  {.project_id = 700, .order_status = 5, .active = true, .revision_ms = 1234});
  auto d = links.deal_link("t1", 20);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->project_id, 700);
  EXPECT_EQ(d->order_status, 5);
  EXPECT_TRUE(d->active);
  EXPECT_EQ(d->revision_ms, 1234);
  EXPECT_EQ(links.deal_of_project("t1", 700).value_or(0), 20);
  EXPECT_EQ(d->company_id, 0);  // not given
  links.link_deal("t1", 20,
                  {.project_id = 700,
                   .order_status = 5,
                   .active = true,
                   .revision_ms = 1234,
                   .company_id = 31});
  EXPECT_EQ(links.deal_link("t1", 20)->company_id, 31);
  EXPECT_EQ(redis_->command({"HGET", hbsync::links::keys::deal("t1"), "20"}).str,
            "700,5,1,1234,31,,,0,0,");
  // A link written before the company was kept reads as company 0.
  redis_->command({"HSET", hbsync::links::keys::deal("t1"), "21", "701,4,1,99"});
  auto old = links.deal_link("t1", 21);
  ASSERT_TRUE(old.has_value());
  EXPECT_EQ(old->project_id, 701);
  EXPECT_EQ(old->revision_ms, 99);
  EXPECT_EQ(old->company_id, 0);
  links.unlink_deal("t1", 20, 700);
  EXPECT_FALSE(links.deal_link("t1", 20).has_value());
  EXPECT_FALSE(links.deal_of_project("t1", 700).has_value());
}

TEST_F(LinksTest, F4StateRoundTripsAndPatchesKeepTheOtherFields) {
  auto& links = *links_;
  const DealLink full{.project_id = 700,
                      .order_status = 5,
                      .active = true,
                      .revision_ms = 11,
                      .company_id = 31,
                      .pipeline_id = "default",
                      .stage_id = "closedwon",
                      .hubspot_changed_ms = 22,
                      .board_synced_ms = 33,
                      .amount_digest = "k1:abcd"};
  links.link_deal("t1", 20, full);
  auto back = links.deal_link("t1", 20);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->encode(), full.encode());
  EXPECT_EQ(back->stage_id, "closedwon");
  EXPECT_EQ(back->board_synced_ms, 33);
  // A patch sets its fields only.
  ASSERT_TRUE(links.patch_deal("t1", 20, {.stage_id = "billed", .board_synced_ms = 44}));
  back = links.deal_link("t1", 20);
  EXPECT_EQ(back->stage_id, "billed");
  EXPECT_EQ(back->board_synced_ms, 44);
  EXPECT_EQ(back->company_id, 31);
  EXPECT_EQ(back->amount_digest, "k1:abcd");
  EXPECT_EQ(back->hubspot_changed_ms, 22);
  // A link of the 4-part format gains fields without losing its own.
  redis_->command({"HSET", hbsync::links::keys::deal("t1"), "21", "701,4,1,99"});
  ASSERT_TRUE(links.patch_deal("t1", 21, {.order_status = 5, .amount_digest = "k1:ff"}));
  auto old = links.deal_link("t1", 21);
  ASSERT_TRUE(old.has_value());
  EXPECT_EQ(old->project_id, 701);
  EXPECT_EQ(old->order_status, 5);
  EXPECT_EQ(old->revision_ms, 99);
  EXPECT_EQ(old->company_id, 0);
  EXPECT_EQ(old->stage_id, "");
  EXPECT_EQ(old->amount_digest, "k1:ff");
  EXPECT_FALSE(links.patch_deal("t1", 22, {.order_status = 1}));  // no link: nothing made
  EXPECT_FALSE(links.deal_link("t1", 22).has_value());
  // An id with a comma cannot break the value: kept as unknown.
  ASSERT_TRUE(links.patch_deal("t1", 20, {.stage_id = "a,b"}));
  EXPECT_EQ(links.deal_link("t1", 20)->stage_id, "");
  EXPECT_EQ(links.deal_link("t1", 20)->amount_digest, "k1:abcd");
}

TEST_F(LinksTest, NotALinkReadsAsNone) {
  for (const char* bad : {"", "0,5,1,1", "abc", "700,5"}) {
    EXPECT_FALSE(DealLink::decode(bad).has_value()) << bad;
  }
}

TEST_F(LinksTest, ThePollerFindsLinkedProjects) {
  auto& links = *links_;
  EXPECT_FALSE(links.is_project_linked("t1", 700));
  EXPECT_TRUE(links.linked_project_ids("t1").empty());
  for (int64_t i = 1; i <= 2500; ++i) {
    links.link_deal("t1", 10000 + i, {.project_id = i, .order_status = 1});
  }
  links.link_deal("t2", 1, {.project_id = 99999, .order_status = 1});
  EXPECT_TRUE(links.is_project_linked("t1", 700));
  EXPECT_FALSE(links.is_project_linked("t1", 99999));
  auto ids = links.linked_project_ids("t1", 100);
  ASSERT_EQ(ids.size(), 2500u);
  EXPECT_EQ(ids.front(), 1);
  EXPECT_EQ(ids.back(), 2500);
  links.unlink_deal("t1", 10700, 700);
  EXPECT_FALSE(links.is_project_linked("t1", 700));
  EXPECT_EQ(links.linked_project_ids("t1").size(), 2499u);
}

}  // namespace
