// The board client's typed operations against hbsync-sim-board: users,
// clients, projects, invoices, paging.
#include "api_test_support.hpp"

namespace hbsync::board {
namespace {

TEST_F(BoardApiTest, UsersAreListedAndFoundByEmail) {
  auto api = make_api();
  Account account = api->account(tenant_, credentials());
  auto users = account.list_all_users();
  ASSERT_TRUE(users) << users.error().message;
  ASSERT_EQ(users->size(), 2u);
  EXPECT_EQ((*users)[0].last_name, "山田");
  EXPECT_TRUE((*users)[0].valid);

  auto owner = account.find_user_by_email("owner@example.com");
  ASSERT_TRUE(owner);
  ASSERT_TRUE(owner->has_value());
  EXPECT_EQ((*owner)->id, owner_id_);
  auto nobody = account.find_user_by_email("nobody@example.com");
  ASSERT_TRUE(nobody);
  EXPECT_FALSE(nobody->has_value());
}

TEST_F(BoardApiTest, ClientsAreCreatedReadUpdatedAndListed) {
  auto api = make_api();
  Account account = api->account(tenant_, credentials());
  auto created = account.create_client({.name = "株式会社テスト商事",
                                        .name_disp = "テスト商事",
                                        .zip = "150-0001",
                                        .pref = "東京都",
                                        .address1 = "渋谷区神宮前1-1-1",
                                        .tel = "03-1234-5678",
                                        .note = "memo"});
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_GT(created->id, 0);
  EXPECT_EQ(created->name_disp, "テスト商事");
  EXPECT_EQ(created->pref.value_or(""), "東京都");
  EXPECT_FALSE(created->fax);
  EXPECT_FALSE(created->created_at.empty());

  auto read = account.get_client(created->id);
  ASSERT_TRUE(read);
  EXPECT_EQ(read->tel.value_or(""), "03-1234-5678");

  auto updated = account.update_client(created->id, {.tel = "03-9999-0000", .note = ""});
  ASSERT_TRUE(updated) << updated.error().message;
  EXPECT_EQ(updated->tel.value_or(""), "03-9999-0000");
  EXPECT_FALSE(updated->note);  // "" clears
  EXPECT_EQ(updated->name, "株式会社テスト商事");

  create_client(account, "別会社");
  auto found = account.list_all_clients({.name_cont = "テスト商事"});
  ASSERT_TRUE(found);
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].id, created->id);
}

TEST_F(BoardApiTest, ProjectsAreCreatedReadUpdatedAndFilteredByStatusAndManagementNo) {
  auto api = make_api();
  Account account = api->account(tenant_, credentials());
  const int64_t client_id = create_client(account, "顧客P");

  auto created = account.create_project(new_project(client_id, "HS-1001"));
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_EQ(created->management_no.value_or(""), "HS-1001");
  EXPECT_EQ(created->client_id, client_id);
  EXPECT_EQ(created->user_id, owner_id_);
  EXPECT_EQ(created->order_status(), domain::OrderStatus::estimate_high);
  EXPECT_EQ(created->invoice_timing_kbn, 1);
  EXPECT_EQ(created->invoice_dates, std::vector<std::string>{"2024-06-30"});
  auto second = account.create_project(new_project(client_id, "HS-1002"));
  ASSERT_TRUE(second);

  sim().control("POST", "/_sim/projects/" + std::to_string(created->id) + "/total",
                R"({"total":90000})");
  auto read = account.get_project(created->id);
  ASSERT_TRUE(read);
  EXPECT_EQ(read->total, "90000.0");  // kept as board's string
  EXPECT_EQ(read->tax, "9000.0");

  auto renamed = account.update_project(created->id, {.name = "改名"});
  ASSERT_TRUE(renamed) << renamed.error().message;
  EXPECT_EQ(renamed->name, "改名");

  auto ordered = account.update_order_status(created->id, domain::OrderStatus::ordered);
  ASSERT_TRUE(ordered) << ordered.error().message;
  EXPECT_EQ(ordered->order_status(), domain::OrderStatus::ordered);
  EXPECT_EQ(ordered->order_status_name, "受注済");

  auto by_no = account.list_all_projects({.management_no_eq = "HS-1001"});
  ASSERT_TRUE(by_no);
  ASSERT_EQ(by_no->size(), 1u);
  EXPECT_EQ((*by_no)[0].id, created->id);

  // Two statuses in one comma-joined parameter: both projects.
  auto either = account.list_all_projects(
      {.order_status_in = {domain::OrderStatus::ordered, domain::OrderStatus::estimate_high}});
  ASSERT_TRUE(either);
  EXPECT_EQ(either->size(), 2u);
  auto only_ordered = account.list_all_projects(
      {.client_id_eq = client_id, .order_status_in = {domain::OrderStatus::ordered}});
  ASSERT_TRUE(only_ordered);
  ASSERT_EQ(only_ordered->size(), 1u);

  // 失注 is hidden unless asked for.
  ASSERT_TRUE(account.update_order_status(second->id, domain::OrderStatus::lost));
  auto visible = account.list_all_projects();
  ASSERT_TRUE(visible);
  EXPECT_EQ(visible->size(), 1u);
  auto with_lost = account.list_all_projects({.include_lost = true});
  ASSERT_TRUE(with_lost);
  EXPECT_EQ(with_lost->size(), 2u);

  // updated_at filters take time points, sent as JST text.
  auto future = account.list_all_projects(
      {.updated_at_gteq = std::chrono::system_clock::now() + 24h, .include_lost = true});
  ASSERT_TRUE(future) << future.error().message;
  EXPECT_TRUE(future->empty());
  auto past = account.list_all_projects(
      {.updated_at_gteq = std::chrono::system_clock::now() - 24h, .include_lost = true});
  ASSERT_TRUE(past) << past.error().message;
  EXPECT_EQ(past->size(), 2u);
}

TEST_F(BoardApiTest, InvoicesAreListedWithTheirStatuses) {
  auto api = make_api();
  Account account = api->account(tenant_, credentials());
  const int64_t client_id = create_client(account, "顧客I");
  auto project = account.create_project(new_project(client_id, "HS-2001"));
  ASSERT_TRUE(project);

  auto invoices = account.list_all_invoices({.project_project_no_eq = project->project_no});
  ASSERT_TRUE(invoices) << invoices.error().message;
  ASSERT_EQ(invoices->size(), 1u);  // the scheduled 一括 invoice
  const Invoice& invoice = (*invoices)[0];
  EXPECT_EQ(invoice.project_id, project->id);
  EXPECT_EQ(invoice.invoice_date.value_or(""), "2024-06-30");
  EXPECT_EQ(invoice.invoice_status(), domain::InvoiceStatus::unbilled);

  sim().control("POST", "/_sim/invoices/" + std::to_string(invoice.id) + "/status",
                R"({"invoice_status":3})");
  auto paid = account.list_all_invoices(
      {.invoice_status_in = {domain::InvoiceStatus::paid, domain::InvoiceStatus::billed}});
  ASSERT_TRUE(paid);
  ASSERT_EQ(paid->size(), 1u);
  EXPECT_EQ((*paid)[0].invoice_status(), domain::InvoiceStatus::paid);
  EXPECT_TRUE((*paid)[0].paid_date);
  auto unbilled =
      account.list_all_invoices({.invoice_status_in = {domain::InvoiceStatus::unbilled}});
  ASSERT_TRUE(unbilled);
  EXPECT_TRUE(unbilled->empty());
}

TEST_F(BoardApiTest, PagingFollowsPagesAndUsesTheTotalCountWhenGiven) {
  auto api = make_api();
  Account account = api->account(tenant_, credentials());
  for (int i = 0; i < 7; ++i) {
    sim().control("POST", "/_sim/accounts/" + key_ + "/clients",
                  R"({"name":"顧客)" + std::to_string(i) + R"(","name_disp":"c"})");
  }
  std::vector<int64_t> ids;
  std::function<Result<Page<Client>>(PageRequest)> fetch = [&](PageRequest r) {
    return account.list_clients({}, r);
  };
  auto visited = for_each_page<Client>(
      fetch,
      [&](Page<Client>& page) {
        for (auto& c : page.items) ids.push_back(c.id);
        return true;
      },
      3);
  ASSERT_TRUE(visited) << visited.error().message;
  EXPECT_EQ(*visited, 7u);
  EXPECT_EQ(std::set<int64_t>(ids.begin(), ids.end()).size(), 7u);
  EXPECT_EQ(sim().calls(key_, "GET /v1/clients"), 3);  // 3 + 3 + 1

  // With 7 per page the only page is full: X-Total-Count says it is the last,
  // saving the call for an empty page.
  auto exact = for_each_page<Client>(
      fetch, [](Page<Client>&) { return true; }, 7);
  ASSERT_TRUE(exact);
  EXPECT_EQ(sim().calls(key_, "GET /v1/clients"), 4);

  auto all = account.list_all_clients();
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 7u);
}

}  // namespace
}  // namespace hbsync::board
