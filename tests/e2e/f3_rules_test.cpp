// SPEC F3 (HubSpot -> board in real time), one test per rule, end to end:
// records are created and changed through the HubSpot simulator's CRM API,
// its signed webhooks go through hbsync-ingress, hbsync-mapper and
// hbsync-writer, and the outcome is read from the board simulator, the
// HubSpot company and the tenant's history. One stack for the suite; every
// test has its own tenant (portal + board account), so tests do not see each
// other's data.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "stack_suite.hpp"

namespace hbsync::e2e {
namespace {

constexpr auto kSync = 60s;  // generous: a 2-core machine shared with builds

class F3Rules : public StackSuite {
 protected:
  void restore_simulators() override {
    if (switches_changed_) s().webhook_settings(R"({"duplicate":false,"reorder":false})");
  }

  // The deal's project (management_no HS-<id>), once the writer created it.
  BoardProject wait_project(const Tenant& t, const std::string& deal_id) {
    BoardProject found;
    std::vector<BoardProject> seen;
    const std::string no = "HS-" + deal_id;
    bool ok = wait_for(
        "the board project of deal " + deal_id + " (management_no " + no + ")",
        [&] {
          seen = s().board_projects(t);
          for (const auto& p : seen) {
            if (p.management_no == no) {
              found = p;
              return true;
            }
          }
          return false;
        },
        kSync, [&] { return describe(t, seen); });
    if (!ok) throw std::runtime_error("no project for deal " + deal_id);
    return found;
  }

  std::string describe(const Tenant& t, const std::vector<BoardProject>& projects) {
    std::string out = std::to_string(projects.size()) + " projects:";
    for (const auto& p : projects) {
      out += "\n  #" + std::to_string(p.id) + " mgmt=" + p.management_no +
             " client=" + std::to_string(p.client_id) + " status=" + std::to_string(p.order_status);
    }
    out += "\nhistory (newest first):";
    try {
      for (const auto& e : s().history(t, 30)) out += "\n  " + Stack::describe(e);
    } catch (const std::exception& e) {
      out += std::string(" unreadable: ") + e.what();
    }
    return out;
  }

  static std::optional<BoardClient> client_named(const std::vector<BoardClient>& clients,
                                                 const std::string& name) {
    std::optional<BoardClient> found;
    for (const auto& c : clients) {
      if (c.name == name) {
        if (found) ADD_FAILURE() << "two board clients named " << name;
        found = c;
      }
    }
    return found;
  }

  static size_t count_history(const std::vector<history::Entry>& entries,
                              const std::string& deal_id, const std::string& action,
                              const std::string& reason = "") {
    return std::count_if(entries.begin(), entries.end(), [&](const history::Entry& e) {
      return std::to_string(e.deal_id) == deal_id && e.action == action &&
             (reason.empty() || e.reason_code == reason);
    });
  }

  bool switches_changed_ = false;
};

// F3.2: the deal's primary company (association type 5) is the one synced,
// even when another company has a smaller id.
TEST_F(F3Rules, PrimaryCompanyIsChosen) {
  auto t = s().provision();
  const auto other = s().create_company(t, {.name = "株式会社プライマリ外れ"});
  const auto primary = s().create_company(t, {.name = "プライマリ当たり株式会社"});
  ASSERT_LT(std::stoll(other), std::stoll(primary)) << "the other company must have the smaller id";
  const auto deal = s().create_deal(
      t, {.name = "主たる会社の案件", .stage = stage::won},
      {{.company_id = other, .primary = false}, {.company_id = primary, .primary = true}});

  auto project = wait_project(t, deal);
  ASSERT_TRUE(s().wait_idle(kSync));
  auto clients = s().board_clients(t);
  ASSERT_EQ(clients.size(), 1u) << "only the primary company becomes a board client";
  EXPECT_EQ(clients[0].name, "プライマリ当たり株式会社");
  EXPECT_EQ(project.client_id, clients[0].id);
}

// F3.2: two or more companies and no primary: the smallest record id.
TEST_F(F3Rules, WithoutPrimaryTheSmallestCompanyIdIsChosen) {
  auto t = s().provision();
  const auto smaller = s().create_company(t, {.name = "最小番号商事"});
  const auto larger = s().create_company(t, {.name = "大きい番号商事"});
  ASSERT_LT(std::stoll(smaller), std::stoll(larger));
  // The larger id is associated first, so "first in the list" would be wrong.
  const auto deal = s().create_deal(
      t, {.name = "主なし二社の案件", .stage = stage::contract},
      {{.company_id = larger, .primary = false}, {.company_id = smaller, .primary = false}});

  auto project = wait_project(t, deal);
  ASSERT_TRUE(s().wait_idle(kSync));
  auto clients = s().board_clients(t);
  ASSERT_EQ(clients.size(), 1u);
  EXPECT_EQ(clients[0].name, "最小番号商事");
  EXPECT_EQ(project.client_id, clients[0].id);
}

// F3.2: a deal without a company is not synced, the history says why; a
// company associated later syncs it then.
TEST_F(F3Rules, DealWithoutCompanyIsSkippedThenSyncedWhenACompanyIsAssociated) {
  auto t = s().provision();
  const auto deal = s().create_deal(t, {.name = "会社なしの案件", .stage = stage::won});
  auto skipped = s().wait_for_history(
      t, "deal " + deal + " skipped with reason no_company",
      [&](const history::Entry& e) {
        return std::to_string(e.deal_id) == deal && e.action == "skipped" &&
               e.reason_code == "no_company";
      },
      kSync);
  ASSERT_TRUE(skipped);
  EXPECT_EQ(skipped->direction, "hubspot_to_board");
  ASSERT_TRUE(s().wait_idle(kSync));
  EXPECT_TRUE(s().board_projects(t).empty());
  EXPECT_TRUE(s().board_clients(t).empty());

  const auto company = s().create_company(t, {.name = "後から関連付け株式会社"});
  s().associate(t, deal, company, true);
  auto project = wait_project(t, deal);
  auto clients = s().board_clients(t);
  ASSERT_EQ(clients.size(), 1u);
  EXPECT_EQ(clients[0].name, "後から関連付け株式会社");
  EXPECT_EQ(project.client_id, clients[0].id);
}

// F3.3: a board client with exactly the company's name is linked, not
// created again; a client whose name only contains it is not that client.
TEST_F(F3Rules, ExistingClientWithTheSameNameIsLinkedNotCreated) {
  auto t = s().provision();
  auto exact = s().seed_board_client(t, "株式会社既存リンク商事", "既存リンク");
  s().seed_board_client(t, "既存リンク商事");
  s().seed_board_client(t, "株式会社既存リンク商事 大阪支店");
  const auto company = s().create_company(t, {.name = "株式会社既存リンク商事"});
  const auto deal = s().create_deal(t, {.name = "既存顧客の案件", .stage = stage::won},
                                    {{.company_id = company, .primary = true}});

  auto project = wait_project(t, deal);
  EXPECT_EQ(project.client_id, exact.id);
  ASSERT_TRUE(s().wait_idle(kSync));
  auto clients = s().board_clients(t);
  EXPECT_EQ(clients.size(), 3u) << "no client created";
  auto linked = client_named(clients, "株式会社既存リンク商事");
  ASSERT_TRUE(linked);
  EXPECT_EQ(linked->id, exact.id);
  EXPECT_EQ(linked->name_disp, "既存リンク") << "linking does not rewrite the existing client";
}

// F3.3: 株式会社 / 合同会社 / 有限会社 removed for name_disp, before or after
// the name, with ASCII and full-width spaces trimmed; nothing left -> the
// full name.
TEST_F(F3Rules, AbbreviationWordsAreRemovedForNameDisp) {
  auto t = s().provision();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"株式会社 青空テスト", "青空テスト"},
      {"夕焼テスト　合同会社", "夕焼テスト"},
      {"有限会社星空テスト", "星空テスト"},
      {"株式会社", "株式会社"},
  };
  std::vector<std::string> deals;
  for (size_t i = 0; i < cases.size(); ++i) {
    const auto company = s().create_company(t, {.name = cases[i].first});
    deals.push_back(s().create_deal(t,
                                    {.name = "略称の案件" + std::to_string(i), .stage = stage::won},
                                    {{.company_id = company, .primary = true}}));
  }
  for (const auto& d : deals) wait_project(t, d);
  auto clients = s().board_clients(t);
  for (const auto& [name, disp] : cases) {
    auto c = client_named(clients, name);
    ASSERT_TRUE(c) << "no board client named " << name;
    EXPECT_EQ(c->name_disp, disp) << "name_disp of " << name;
  }
}

// F3.3: zip -> zip (7 digits get the hyphen), phone -> tel, state -> pref,
// city -> address1.
TEST_F(F3Rules, CompanyFieldsAreMappedToTheClient) {
  auto t = s().provision();
  const auto a = s().create_company(t, {.name = "住所対応株式会社",
                                        .zip = "1500001",
                                        .phone = "03-1234-5678",
                                        .state = "東京都",
                                        .city = "渋谷区"});
  const auto b = s().create_company(t, {.name = "住所対応二合同会社",
                                        .zip = "530-0001",
                                        .phone = "06-9876-5432",
                                        .state = "大阪府",
                                        .city = "大阪市北区"});
  const auto da = s().create_deal(t, {.name = "住所の案件A", .stage = stage::won},
                                  {{.company_id = a, .primary = true}});
  const auto db = s().create_deal(t, {.name = "住所の案件B", .stage = stage::won},
                                  {{.company_id = b, .primary = true}});
  wait_project(t, da);
  wait_project(t, db);
  auto clients = s().board_clients(t);
  auto ca = client_named(clients, "住所対応株式会社");
  ASSERT_TRUE(ca);
  EXPECT_EQ(ca->name_disp, "住所対応");
  EXPECT_EQ(ca->zip, "150-0001");
  EXPECT_EQ(ca->tel, "03-1234-5678");
  EXPECT_EQ(ca->pref, "東京都");
  EXPECT_EQ(ca->address1, "渋谷区");
  auto cb = client_named(clients, "住所対応二合同会社");
  ASSERT_TRUE(cb);
  EXPECT_EQ(cb->name_disp, "住所対応二");
  EXPECT_EQ(cb->zip, "530-0001");
  EXPECT_EQ(cb->tel, "06-9876-5432");
  EXPECT_EQ(cb->pref, "大阪府");
  EXPECT_EQ(cb->address1, "大阪市北区");
}

// F3.4: the board client's URL is written into the tenant's link property
// (default URL form, and a tenant's own board.client_url).
TEST_F(F3Rules, LinkPropertyHoldsTheClientUrl) {
  auto t = s().provision();
  auto custom = s().provision({.customize = [](tenant::Settings& settings) {
    settings.board.client_url = "https://board.example.test/c/{id}/detail";
  }});
  const auto c1 = s().create_company(t, {.name = "リンク表示株式会社"});
  const auto d1 = s().create_deal(t, {.name = "リンク表示の案件", .stage = stage::won},
                                  {{.company_id = c1, .primary = true}});
  const auto c2 = s().create_company(custom, {.name = "独自URL株式会社"});
  const auto d2 = s().create_deal(custom, {.name = "独自URLの案件", .stage = stage::won},
                                  {{.company_id = c2, .primary = true}});
  auto p1 = wait_project(t, d1);
  auto p2 = wait_project(custom, d2);

  std::optional<std::string> v1, v2;
  EXPECT_TRUE(wait_for(
      "link property of company " + c1 + " = https://the-board.jp/clients/" +
          std::to_string(p1.client_id),
      [&] {
        v1 = s().company_property(t, c1, t.link_property);
        return v1 == "https://the-board.jp/clients/" + std::to_string(p1.client_id);
      },
      kSync, [&] { return v1.value_or("(unset)"); }));
  EXPECT_TRUE(wait_for(
      "link property of company " + c2 + " with the tenant's client_url",
      [&] {
        v2 = s().company_property(custom, c2, custom.link_property);
        return v2 == "https://board.example.test/c/" + std::to_string(p2.client_id) + "/detail";
      },
      kSync, [&] { return v2.value_or("(unset)"); }));
}

// F3.5: name, client, user by the owner's e-mail, order status from the
// mapping, 一括 with invoice_date = closedate as a JST date, management_no.
TEST_F(F3Rules, ProjectFieldsComeFromTheDeal) {
  auto t = s().provision();
  const auto company = s().create_company(t, {.name = "案件項目株式会社"});
  // 16:00 UTC on the 10th is 01:00 JST on the 11th.
  const auto deal = s().create_deal(t,
                                    {.name = "案件項目の検証 2026年度",
                                     .stage = stage::contract,
                                     .amount = "1200000",
                                     .closedate = "2026-12-10T16:00:00.000Z",
                                     .owner_id = t.owners[0].id},
                                    {{.company_id = company, .primary = true}});
  auto p = wait_project(t, deal);
  auto clients = s().board_clients(t);
  auto client = client_named(clients, "案件項目株式会社");
  ASSERT_TRUE(client);
  EXPECT_EQ(p.name, "案件項目の検証 2026年度");
  EXPECT_EQ(p.client_id, client->id);
  // Board user OWNER.A@e2e.example is the owner owner.a@e2e.example.
  EXPECT_EQ(p.user_id, t.board_user_ids.at(1));
  EXPECT_EQ(p.order_status, 4);  // contractsent -> 受注確定
  EXPECT_EQ(p.invoice_timing_kbn, 1);
  EXPECT_EQ(p.invoice_dates, std::vector<std::string>{"2026-12-11"});
  EXPECT_EQ(p.management_no, "HS-" + deal);
}

// F3.5: no board user with the owner's e-mail (or no owner): the tenant's
// default board user.
TEST_F(F3Rules, DefaultUserWhenNoBoardUserHasTheOwnersEmail) {
  auto t = s().provision();
  ASSERT_NE(t.default_user_id, 0);
  const auto company = s().create_company(t, {.name = "既定担当株式会社"});
  const auto unmatched = s().create_deal(
      t, {.name = "担当者不一致の案件", .stage = stage::won, .owner_id = t.owners.at(1).id},
      {{.company_id = company, .primary = true}});
  const auto no_owner = s().create_deal(t, {.name = "担当者なしの案件", .stage = stage::won},
                                        {{.company_id = company, .primary = true}});
  EXPECT_EQ(wait_project(t, unmatched).user_id, t.default_user_id);
  EXPECT_EQ(wait_project(t, no_owner).user_id, t.default_user_id);
}

// F3.5: without a closedate the invoice date is the end of the current
// month in Japan.
TEST_F(F3Rules, InvoiceDateIsTheEndOfTheMonthWithoutCloseDate) {
  auto t = s().provision();
  const std::string before = jst_end_of_month();
  const auto company = s().create_company(t, {.name = "月末請求株式会社"});
  const auto deal = s().create_deal(t, {.name = "締め日なしの案件", .stage = stage::won},
                                    {{.company_id = company, .primary = true}});
  auto p = wait_project(t, deal);
  const std::string after = jst_end_of_month();  // the month may turn meanwhile
  ASSERT_EQ(p.invoice_dates.size(), 1u);
  EXPECT_TRUE(p.invoice_dates[0] == before || p.invoice_dates[0] == after)
      << p.invoice_dates[0] << " is not the end of " << before << " / " << after;
  EXPECT_EQ(p.invoice_timing_kbn, 1);
}

// F3.6: a linked deal moving to a stage mapped to another order status
// updates board's order status (same project).
TEST_F(F3Rules, StageChangeUpdatesTheOrderStatus) {
  auto t = s().provision();
  const auto company = s().create_company(t, {.name = "状態変更株式会社"});
  const auto deal = s().create_deal(t, {.name = "状態変更の案件", .stage = stage::appointment},
                                    {{.company_id = company, .primary = true}});
  auto p = wait_project(t, deal);
  EXPECT_EQ(p.order_status, 1);

  s().move_stage(t, deal, stage::contract);
  std::vector<BoardProject> seen;
  EXPECT_TRUE(wait_for(
      "order status 4 on the project of deal " + deal,
      [&] {
        seen = s().board_projects(t);
        return seen.size() == 1 && seen[0].order_status == 4;
      },
      kSync, [&] { return describe(t, seen); }));
  EXPECT_TRUE(s().wait_for_history(
      t, "deal " + deal + " updated",
      [&](const history::Entry& e) {
        return std::to_string(e.deal_id) == deal && e.action == "updated";
      },
      kSync));

  s().move_stage(t, deal, stage::lost);
  EXPECT_TRUE(wait_for(
      "order status 9 (失注) on the project of deal " + deal,
      [&] {
        seen = s().board_projects(t);
        return seen.size() == 1 && seen[0].order_status == 9;
      },
      kSync, [&] { return describe(t, seen); }));
  ASSERT_TRUE(s().wait_idle(kSync));
  seen = s().board_projects(t);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].id, p.id);
  EXPECT_GE(s().board_route_calls(t, "PATCH /v1/projects/order_status/{id}"), 2);
}

// F3.6 / F2: moves into stages mapped to 請求済 or 入金済, or into an unmapped
// stage, change nothing on board; the history says why.
TEST_F(F3Rules, InvoicedPaidAndUnmappedStagesChangeNothingOnBoard) {
  auto t = s().provision();
  const auto company = s().create_company(t, {.name = "請求段階株式会社"});
  const auto deal = s().create_deal(t, {.name = "請求段階の案件", .stage = stage::won},
                                    {{.company_id = company, .primary = true}});
  wait_project(t, deal);
  ASSERT_TRUE(s().wait_idle(kSync));
  const auto projects_before = s().board_projects(t);
  const auto clients_before = s().board_clients(t);
  const int64_t status_calls = s().board_route_calls(t, "PATCH /v1/projects/order_status/{id}");
  const int64_t patch_calls = s().board_route_calls(t, "PATCH /v1/projects/{id}");
  const int64_t client_patches = s().board_route_calls(t, "PATCH /v1/clients/{id}");

  s().move_stage(t, deal, stage::invoiced);
  ASSERT_TRUE(s().wait_for_history(
      t, "deal " + deal + " skipped: stage_is_invoice_state",
      [&](const history::Entry& e) {
        return std::to_string(e.deal_id) == deal && e.action == "skipped" &&
               e.reason_code == "stage_is_invoice_state";
      },
      kSync));
  s().move_stage(t, deal, stage::paid);
  std::vector<history::Entry> entries;
  EXPECT_TRUE(wait_for(
      "a second stage_is_invoice_state skip (paid) for deal " + deal,
      [&] {
        entries = s().history(t, 200);
        return count_history(entries, deal, "skipped", "stage_is_invoice_state") >= 2;
      },
      kSync, [&] { return describe(t, s().board_projects(t)); }));
  s().move_stage(t, deal, stage::decision);
  EXPECT_TRUE(s().wait_for_history(
      t, "deal " + deal + " skipped: stage_not_mapped",
      [&](const history::Entry& e) {
        return std::to_string(e.deal_id) == deal && e.action == "skipped" &&
               e.reason_code == "stage_not_mapped";
      },
      kSync));
  ASSERT_TRUE(s().wait_idle(kSync));

  const auto projects_after = s().board_projects(t);
  ASSERT_EQ(projects_after.size(), projects_before.size());
  ASSERT_EQ(projects_after.size(), 1u);
  EXPECT_EQ(projects_after[0].id, projects_before[0].id);
  EXPECT_EQ(projects_after[0].order_status, 5);
  EXPECT_EQ(projects_after[0].updated_at, projects_before[0].updated_at);
  EXPECT_EQ(s().board_clients(t).size(), clients_before.size());
  EXPECT_EQ(s().board_route_calls(t, "PATCH /v1/projects/order_status/{id}"), status_calls);
  EXPECT_EQ(s().board_route_calls(t, "PATCH /v1/projects/{id}"), patch_calls);
  EXPECT_EQ(s().board_route_calls(t, "PATCH /v1/clients/{id}"), client_patches);
}

// F3.7: a deleted deal marks its link inactive and leaves the project alone.
TEST_F(F3Rules, DeletedDealDeactivatesTheLinkAndKeepsTheProject) {
  auto t = s().provision();
  const auto company = s().create_company(t, {.name = "削除検証株式会社"});
  const auto deal = s().create_deal(t, {.name = "削除される案件", .stage = stage::contract},
                                    {{.company_id = company, .primary = true}});
  auto before = wait_project(t, deal);
  ASSERT_TRUE(s().wait_idle(kSync));
  const int64_t deletes = s().board_route_calls(t, "DELETE /v1/projects/{id}");

  s().delete_deal(t, deal);
  EXPECT_TRUE(s().wait_for_history(
      t, "deal " + deal + " deactivated",
      [&](const history::Entry& e) {
        return std::to_string(e.deal_id) == deal && e.action == "deactivated";
      },
      kSync));
  ASSERT_TRUE(s().wait_idle(kSync));
  auto after = s().board_projects(t);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].id, before.id);
  EXPECT_EQ(after[0].name, before.name);
  EXPECT_EQ(after[0].order_status, before.order_status);
  EXPECT_EQ(after[0].updated_at, before.updated_at);
  EXPECT_EQ(s().board_route_calls(t, "DELETE /v1/projects/{id}"), deletes);
  EXPECT_EQ(s().board_clients(t).size(), 1u);
}

// F3.1 / section 3: every webhook delivered twice and out of order: one
// client per company, one project per deal, the latest stage wins.
TEST_F(F3Rules, DuplicatedWebhooksGiveOneClientAndOneProject) {
  auto t = s().provision();
  switches_changed_ = true;
  s().webhook_settings(R"({"duplicate":true,"reorder":true})");
  const auto c1 = s().create_company(t, {.name = "重複配信一株式会社"});
  const auto c2 = s().create_company(t, {.name = "重複配信二株式会社"});
  const auto d1 = s().create_deal(t, {.name = "重複の案件1", .stage = stage::appointment},
                                  {{.company_id = c1, .primary = true}});
  const auto d2 = s().create_deal(t, {.name = "重複の案件2", .stage = stage::won},
                                  {{.company_id = c1, .primary = true}});
  const auto d3 = s().create_deal(t, {.name = "重複の案件3", .stage = stage::qualified},
                                  {{.company_id = c2, .primary = true}});
  wait_project(t, d1);
  s().move_stage(t, d1, stage::contract);
  ASSERT_TRUE(s().wait_idle(90s));

  auto stats = s().webhook_stats(t.portal_id);
  ASSERT_GT(json_int(stats, {"duplicates"}), 0) << "the simulator sent no duplicates";

  auto clients = s().board_clients(t);
  EXPECT_EQ(clients.size(), 2u);
  auto k1 = client_named(clients, "重複配信一株式会社");
  auto k2 = client_named(clients, "重複配信二株式会社");
  ASSERT_TRUE(k1 && k2);

  auto projects = s().board_projects(t);
  EXPECT_EQ(projects.size(), 3u) << describe(t, projects);
  std::map<std::string, std::vector<BoardProject>> by_no;
  for (const auto& p : projects) by_no[p.management_no].push_back(p);
  const std::map<std::string, std::pair<int64_t, int>> expected = {
      {d1, {k1->id, 4}}, {d2, {k1->id, 5}}, {d3, {k2->id, 2}}};
  for (const auto& [deal, want] : expected) {
    auto& ps = by_no["HS-" + deal];
    ASSERT_EQ(ps.size(), 1u) << "projects of deal " << deal;
    EXPECT_EQ(ps[0].client_id, want.first) << "client of deal " << deal;
    EXPECT_EQ(ps[0].order_status, want.second) << "status of deal " << deal;
  }
}

}  // namespace
}  // namespace hbsync::e2e
