#include "store.hpp"

#include <gtest/gtest.h>

namespace hbsync::simboard {
namespace {

rapidjson::Document json(const char* text) {
  rapidjson::Document doc;
  doc.Parse(text);
  return doc;
}

struct StoreTest : ::testing::Test {
  SimClock clock;
  Store store{clock};
  int64_t user = 0;
  int64_t client = 0;

  void SetUp() override {
    ASSERT_TRUE(store.add_account("k"));
    user = (*store.add_user("k", json(R"({"email":"a@example.com","last_name":"山田"})")))->id;
    client = (*store.create_client("k", json(R"({"name":"株式会社A","name_disp":"A"})")))->id;
  }

  Outcome<const Project*> project(const std::string& extra, int order_status = 1) {
    std::string body = R"({"name":"P","client_id":)" + std::to_string(client) + R"(,"user_id":)" +
                       std::to_string(user) + R"(,"order_status":)" + std::to_string(order_status) +
                       extra + "}";
    return store.create_project("k", json(body.c_str()));
  }
};

TEST_F(StoreTest, ClientRequiresNameAndNameDispAndNamesThem) {
  auto missing = store.create_client("k", json("{}"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.failure().status, 422);
  EXPECT_NE(missing.failure().message.find("(name)"), std::string::npos);
  EXPECT_NE(missing.failure().message.find("(name_disp)"), std::string::npos);
  auto blank = store.create_client("k", json(R"({"name":"  ","name_disp":"x"})"));
  EXPECT_FALSE(blank);
  EXPECT_FALSE(store.create_client("k", json(R"({"name":1,"name_disp":"x"})")));
}

TEST_F(StoreTest, ClientFormatsAreChecked) {
  EXPECT_TRUE(store.create_client(
      "k", json(R"({"name":"B","name_disp":"B","zip":"150-0001","pref":"東京都"})")));
  EXPECT_FALSE(store.create_client("k", json(R"({"name":"B","name_disp":"B","zip":"1500001"})")));
  EXPECT_FALSE(store.create_client("k", json(R"({"name":"B","name_disp":"B","pref":"Tokyo"})")));
}

TEST_F(StoreTest, PatchMovesUpdatedAtOnlyOnChange) {
  clock.advance(100);
  auto same = store.update_client("k", client, json(R"({"name":"株式会社A"})"));
  ASSERT_TRUE(same);
  EXPECT_EQ((*same)->updated_at, (*same)->created_at);
  auto changed = store.update_client("k", client, json(R"({"tel":"03-0000-0000"})"));
  EXPECT_GE((*changed)->updated_at, (*changed)->created_at + 100);
  EXPECT_FALSE(store.update_client("k", client, json(R"({"name":null})")));
  EXPECT_EQ(store.update_client("k", 999, json("{}")).failure().status, 404);
  EXPECT_EQ(store.update_client("other", client, json("{}")).failure().status, 404);
}

TEST_F(StoreTest, ProjectInvoiceTimingRules) {
  EXPECT_FALSE(project(R"(,"invoice_timing_kbn":1)"));
  auto lump = project(R"(,"invoice_timing_kbn":1,"invoice_date":"2024-05-31")");
  ASSERT_TRUE(lump);
  EXPECT_EQ(store.invoices("k", {}).size(), 1u);
  EXPECT_FALSE(project(R"(,"invoice_timing_kbn":2,"contract_start_date":"2024-01-01")"));
  EXPECT_FALSE(project(
      R"(,"invoice_timing_kbn":2,"contract_start_date":"2024-03-01","contract_end_date":"2024-01-01")"));
  ASSERT_TRUE(project(
      R"(,"invoice_timing_kbn":2,"contract_start_date":"2024-01-31","contract_end_date":"2024-03-31")"));
  EXPECT_EQ(store.invoices("k", {}).size(), 4u);
  EXPECT_FALSE(project(R"(,"invoice_timing_kbn":3)"));
  EXPECT_FALSE(project(R"(,"invoice_timing_kbn":3,"invoice_dates":[])"));
  EXPECT_FALSE(project(R"(,"invoice_timing_kbn":3,"invoice_dates":["2024-13-01"])"));
  ASSERT_TRUE(project(R"(,"invoice_timing_kbn":3,"invoice_dates":["2024-06-30","2024-05-31"])"));
  EXPECT_EQ(store.invoices("k", {}).size(), 6u);
  EXPECT_FALSE(project(R"(,"invoice_timing_kbn":4)"));
}

TEST_F(StoreTest, ProjectReferencesMustExistInTheSameAccount) {
  ASSERT_TRUE(store.add_account("other"));
  auto foreign = (*store.create_client("other", json(R"({"name":"X","name_disp":"X"})")))->id;
  std::string body = R"({"name":"P","client_id":)" + std::to_string(foreign) + R"(,"user_id":)" +
                     std::to_string(user) +
                     R"(,"order_status":1,"invoice_timing_kbn":1,"invoice_date":"2024-05-31"})";
  auto refused = store.create_project("k", json(body.c_str()));
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.failure().message.find("client_id"), std::string::npos);
  EXPECT_FALSE(project(R"(,"invoice_timing_kbn":1,"invoice_date":"2024-05-31")", 6));
}

TEST_F(StoreTest, ProjectPatchCannotTouchInvoiceDatesOrOrderStatus) {
  auto p = project(R"(,"invoice_timing_kbn":1,"invoice_date":"2024-05-31")");
  ASSERT_TRUE(p);
  int64_t id = (*p)->id;
  EXPECT_FALSE(store.update_project("k", id, json(R"({"invoice_date":"2024-06-30"})")));
  EXPECT_FALSE(store.update_project("k", id, json(R"({"order_status":4})")));
  EXPECT_TRUE(store.update_project("k", id, json(R"({"name":"Q","management_no":"HS-1"})")));
  EXPECT_TRUE(store.set_order_status("k", id, json(R"({"order_status":5})")));
  EXPECT_FALSE(store.set_order_status("k", id, json(R"({"order_status":7})")));
  EXPECT_FALSE(store.set_order_status("k", id, json(R"({})")));
}

TEST_F(StoreTest, ProjectListsNewestFirstAndHideLostByDefault) {
  auto a = project(R"(,"invoice_timing_kbn":1,"invoice_date":"2024-05-31")");
  auto b = project(R"(,"invoice_timing_kbn":1,"invoice_date":"2024-05-31","management_no":"HS-9")");
  auto lost = project(R"(,"invoice_timing_kbn":1,"invoice_date":"2024-05-31")");
  ASSERT_TRUE(a && b && lost);
  store.set_order_status("k", (*lost)->id, json(R"({"order_status":9})"));
  auto visible = store.projects("k", {});
  ASSERT_EQ(visible.size(), 2u);
  EXPECT_EQ(visible[0]->id, (*b)->id);
  EXPECT_EQ(store.projects("k", {.include_lost = true}).size(), 3u);
  EXPECT_EQ(store.projects("k", {.management_no_eq = "HS-9"}).size(), 1u);
}

TEST_F(StoreTest, TotalsSpreadOverOpenInvoicesAndInvoiceStatus) {
  auto p = project(
      R"(,"invoice_timing_kbn":3,"invoice_dates":["2024-05-31","2024-06-30","2024-07-31"])");
  ASSERT_TRUE(p);
  ASSERT_TRUE(store.set_total((*p)->id, json(R"({"total":"100000.0"})")));
  int64_t sum = 0;
  for (const Invoice* i : store.invoices("k", {})) sum += i->total;
  EXPECT_EQ(sum, 100000);
  const Invoice* first = store.invoices("k", {}).back();
  clock.advance(10);
  auto paid = store.set_invoice_status(first->id, json(R"({"invoice_status":3})"));
  ASSERT_TRUE(paid);
  EXPECT_TRUE((*paid)->paid_date);
  EXPECT_GT((*paid)->updated_at, (*paid)->created_at);
  EXPECT_FALSE(store.set_invoice_status(first->id, json(R"({"invoice_status":6})")));
  EXPECT_FALSE(store.set_total((*p)->id, json(R"({"total":-1})")));
  EXPECT_EQ(store.invoices("k", {.invoice_status_in = std::vector<int64_t>{3}}).size(), 1u);
}

TEST_F(StoreTest, TokensAreUniqueAndOperationsKnown) {
  EXPECT_TRUE(store.add_token("k", Token{"t1", {"clients.list"}}));
  EXPECT_EQ(store.add_token("k", Token{"t1", {"*"}}).failure().status, 409);
  EXPECT_FALSE(store.add_token("k", Token{"t2", {"clients.explode"}}));
  EXPECT_EQ(store.add_account("k").failure().status, 409);
}

}  // namespace
}  // namespace hbsync::simboard
