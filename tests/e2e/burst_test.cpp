// SPEC section 3 (Reliability) and F9, end to end: 200 deals across 5
// tenants, created through the HubSpot simulator's CRM API while it
// duplicates and reorders its webhooks and ingress is killed (kill -9) in the
// middle, so HubSpot retries batches (refused connections, and answers cut
// off, possibly after ingress had published them). Afterwards board holds
// exactly one client per company and one project per deal, with the right
// client and status; no board API key ever saw more than 3 requests in a
// second; and no fixture's company name, phone number, address, deal name,
// amount or owner e-mail is anywhere in Redis.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "harness.hpp"

namespace hbsync::e2e {
namespace {

constexpr int kTenants = 5;
constexpr int kCompanies = 8;   // per tenant
constexpr int kDeals = 40;      // per tenant: 200 in all
constexpr int kSeeded = 2;      // companies per tenant whose name board already has
constexpr int kMovedEvery = 4;  // every 4th deal changes stage after creation

struct CompanyFixture {
  CompanyFields fields;
  std::string id;
};

struct DealFixture {
  DealFields fields;
  std::vector<int> companies;  // indexes into the tenant's companies
  bool primary = true;         // else: no primary, the smallest id wins
  std::string moved_to;        // stage after creation ("" = none)
  std::string id;
};

struct TenantFixture {
  Tenant tenant;
  std::vector<CompanyFixture> companies;
  std::vector<DealFixture> deals;
  std::map<std::string, int64_t> seeded;  // company name -> pre-existing client id
};

int order_status_of(const std::string& stage_id) {
  static const std::map<std::string, int> m = {{stage::appointment, 1},  {stage::qualified, 2},
                                               {stage::presentation, 3}, {stage::contract, 4},
                                               {stage::won, 5},          {stage::lost, 9}};
  return m.at(stage_id);
}

TenantFixture make_fixture(int t) {
  TenantFixture f;
  const std::string ts = std::to_string(t);
  const char* prefs[] = {"東京都", "大阪府", "北海道", "福岡県", "愛知県"};
  for (int c = 0; c < kCompanies; ++c) {
    const std::string cs = std::to_string(c);
    std::string name;
    switch (c % 3) {
      case 0:
        name = "株式会社バースト" + ts + "号" + cs + "商事";
        break;
      case 1:
        name = "バースト" + ts + "号" + cs + "工業合同会社";
        break;
      default:
        name = "有限会社 バースト" + ts + "号" + cs + "物産";
    }
    f.companies.push_back(
        {.fields = {.name = name,
                    .zip = "10" + ts + "00" + cs + "1",  // 7 digits
                    .phone = "0" + std::to_string(t + 3) + "-55" + ts + cs + "-01" + cs + ts,
                    .state = prefs[t % 5],
                    .city = "バースト市" + ts + "丁目" + cs + "番地"},
         .id = {}});
  }
  const char* stages[] = {stage::appointment, stage::qualified, stage::presentation,
                          stage::contract,    stage::won,       stage::lost};
  for (int d = 0; d < kDeals; ++d) {
    DealFixture deal;
    deal.fields.name = "バースト案件 T" + ts + "-D" + std::to_string(d);
    deal.fields.stage = stages[d % 6];
    deal.fields.amount = std::to_string(5000000 + t * 1000 + d) + ".75";
    if (d % 3 == 0) deal.fields.closedate = "2027-0" + std::to_string(1 + d % 9) + "-15T03:00:00Z";
    deal.fields.owner_id = d % 3 == 2 ? 0 : 7001 + d % 2;
    deal.companies = {d % kCompanies};
    if (d % 5 == 4) {  // two companies, no primary
      deal.companies.push_back((d + 3) % kCompanies);
      deal.primary = false;
    }
    if (d % kMovedEvery == 1) deal.moved_to = d % 8 == 1 ? stage::won : stage::contract;
    f.deals.push_back(std::move(deal));
  }
  return f;
}

std::string final_stage(const DealFixture& d) {
  return d.moved_to.empty() ? d.fields.stage : d.moved_to;
}

TEST(Burst, DuplicatedReorderedRetriedWebhooksGiveOneClientPerCompanyAndOneProjectPerDeal) {
  std::unique_ptr<Stack> owned;
  try {
    owned = std::make_unique<Stack>(StackOptions{.writers = 2});
  } catch (const std::exception& e) {
    FAIL() << "the e2e stack did not start: " << e.what();
  }
  Stack& s = *owned;
  struct Finish {
    Stack& s;
    ~Finish() { s.finish_test(); }
  } finish{s};

  std::vector<TenantFixture> fixtures;
  for (int t = 0; t < kTenants; ++t) {
    auto f = make_fixture(t);
    f.tenant = s.provision();
    for (int c = 0; c < kSeeded; ++c) {
      const auto& name = f.companies[c].fields.name;
      f.seeded[name] = s.seed_board_client(f.tenant, name).id;
    }
    fixtures.push_back(std::move(f));
  }
  s.webhook_settings(R"({"duplicate":0.5,"reorder":true})");

  // One creator per tenant, all at once.
  std::atomic<int> created{0};
  std::atomic<bool> failed{false};
  // The creators stop at kKillAt deals until ingress is down, so the rest of
  // the burst is certain to meet the outage (without the gate a fast machine
  // could finish the burst before the kill, and nothing would be retried).
  constexpr int kKillAt = 80;
  std::mutex gate_mutex;
  std::condition_variable gate_cv;
  bool gate_open = false;
  auto open_gate = [&] {
    {
      std::lock_guard lock(gate_mutex);
      gate_open = true;
    }
    gate_cv.notify_all();
  };
  std::mutex errors_mutex;
  std::vector<std::string> errors;
  std::vector<std::thread> creators;
  struct JoinAll {
    std::vector<std::thread>& threads;
    ~JoinAll() {
      for (auto& t : threads) {
        if (t.joinable()) t.join();
      }
    }
  } join_all{creators};
  struct OpenGate {  // declared after join_all: opens before the joins
    std::function<void()> open;
    ~OpenGate() { open(); }
  } open_on_exit{open_gate};
  for (auto& f : fixtures) {
    creators.emplace_back([&] {
      try {
        for (auto& c : f.companies) c.id = s.create_company(f.tenant, c.fields);
        for (auto& d : f.deals) {
          std::vector<Association> assoc;
          for (int i : d.companies) {
            assoc.push_back({.company_id = f.companies[i].id, .primary = d.primary});
          }
          if (created >= kKillAt) {
            std::unique_lock lock(gate_mutex);
            gate_cv.wait(lock, [&] { return gate_open; });
          }
          d.id = s.create_deal(f.tenant, d.fields, assoc);
          ++created;
        }
        for (auto& d : f.deals) {
          if (!d.moved_to.empty()) s.move_stage(f.tenant, d.id, d.moved_to);
        }
      } catch (const std::exception& e) {
        std::lock_guard lock(errors_mutex);
        errors.push_back("tenant " + f.tenant.id + ": " + e.what());
        failed = true;
      }
    });
  }

  // Mid-burst, ingress dies (kill -9) and stays down until HubSpot has seen
  // failed deliveries; then it comes back on the same port.
  bool mid_burst = wait_for(
      "80 deals created", [&] { return created >= kKillAt || failed; }, 120s);
  if (!mid_burst || failed) {
    open_gate();
    for (auto& c : creators) c.join();
    std::lock_guard lock(errors_mutex);
    FAIL() << (errors.empty() ? "creation too slow" : errors.front());
  }
  const int64_t failed_before = json_int(s.webhook_stats(), {"failed_attempts"});
  s.kill("ingress");
  open_gate();
  wait_for(
      "HubSpot to see failed webhook deliveries while ingress is down",
      [&] { return json_int(s.webhook_stats(), {"failed_attempts"}) > failed_before; }, 15s);
  s.start("ingress");
  for (auto& c : creators) c.join();
  ASSERT_TRUE(errors.empty()) << errors.front();

  ASSERT_TRUE(s.wait_idle(200s));

  // ---- exactly one client per company, one project per deal -------------
  int64_t sent = 0, applied = 0, duplicated = 0, lost = 0, wrong = 0;
  int64_t hubspot_calls = 0, board_calls = 0;
  for (auto& f : fixtures) {
    const Tenant& t = f.tenant;
    SCOPED_TRACE("tenant " + t.id);
    auto clients = s.board_clients(t);
    std::map<std::string, std::vector<BoardClient>> clients_by_name;
    for (const auto& c : clients) clients_by_name[c.name].push_back(c);
    std::map<std::string, int64_t> client_of_company;  // company id -> client id
    for (const auto& c : f.companies) {
      auto& found = clients_by_name[c.fields.name];
      EXPECT_EQ(found.size(), 1u) << "board clients named " << c.fields.name;
      if (found.size() > 1) duplicated += static_cast<int64_t>(found.size()) - 1;
      if (found.empty()) continue;
      client_of_company[c.id] = found[0].id;
      if (auto it = f.seeded.find(c.fields.name); it != f.seeded.end()) {
        EXPECT_EQ(found[0].id, it->second) << "the existing client is linked, not a new one";
      }
    }
    EXPECT_EQ(clients.size(), static_cast<size_t>(kCompanies)) << "clients of the account";

    auto projects = s.board_projects(t);
    std::map<std::string, std::vector<BoardProject>> by_no;
    for (const auto& p : projects) by_no[p.management_no].push_back(p);
    std::set<std::string> expected_nos;
    for (const auto& d : f.deals) {
      ++sent;
      const std::string no = "HS-" + d.id;
      expected_nos.insert(no);
      const auto& ps = by_no[no];
      if (ps.empty()) {
        ++lost;
        ADD_FAILURE() << "no project for deal " << d.id;
        continue;
      }
      ++applied;
      if (ps.size() > 1) {
        duplicated += static_cast<int64_t>(ps.size()) - 1;
        ADD_FAILURE() << ps.size() << " projects for deal " << d.id;
      }
      // The expected company: the primary, else the smallest id.
      std::string company = f.companies[d.companies[0]].id;
      if (!d.primary) {
        for (int i : d.companies) {
          if (std::stoll(f.companies[i].id) < std::stoll(company)) company = f.companies[i].id;
        }
      }
      const auto& p = ps[0];
      bool right = p.client_id == client_of_company[company] &&
                   p.order_status == order_status_of(final_stage(d)) && p.name == d.fields.name;
      if (!right) {
        ++wrong;
        ADD_FAILURE() << "project of deal " << d.id << ": client " << p.client_id << " (want "
                      << client_of_company[company] << "), status " << p.order_status << " (want "
                      << order_status_of(final_stage(d)) << ")";
      }
    }
    for (const auto& [no, ps] : by_no) {
      if (!expected_nos.count(no)) {
        duplicated += static_cast<int64_t>(ps.size());
        ADD_FAILURE() << ps.size() << " unexpected projects with management_no '" << no << "'";
      }
    }
    EXPECT_LE(s.board_peak_per_second(t), 3) << "board requests in one second, key of " << t.id;
    hubspot_calls += s.hubspot_calls_for(t) - s.test_hubspot_calls(t);
    board_calls += s.board_calls_for(t);
  }

  auto hooks = s.webhook_stats();
  std::cout << "\n==== burst: " << kTenants << " tenants, " << kTenants * kCompanies
            << " companies (" << kTenants * kSeeded << " already on board), " << sent << " deals\n"
            << "sent " << sent << ", applied " << applied << ", duplicated " << duplicated
            << ", lost " << lost << ", wrong client/status " << wrong << "\n"
            << "webhooks: " << json_int(hooks, {"events", "delivered"}) << " events delivered, "
            << json_int(hooks, {"duplicates"}) << " duplicated batches, "
            << json_int(hooks, {"failed_attempts"}) << " failed attempts (retried), "
            << json_int(hooks, {"given_up"}) << " batches given up\n"
            << "API calls by the services: HubSpot " << hubspot_calls << ", board " << board_calls;
  if (applied > 0) {
    std::cout << "; per synced deal: HubSpot " << static_cast<double>(hubspot_calls) / applied
              << ", board " << static_cast<double>(board_calls) / applied;
  }
  std::cout << "\n" << std::endl;
  EXPECT_EQ(lost, 0);
  EXPECT_EQ(duplicated, 0);
  EXPECT_EQ(wrong, 0);
  // Preconditions of the scenario itself.
  EXPECT_GT(json_int(hooks, {"duplicates"}), 0) << "no duplicated webhooks were sent";
  EXPECT_GT(json_int(hooks, {"failed_attempts"}), failed_before) << "no webhook was retried";
  EXPECT_EQ(json_int(hooks, {"given_up"}), 0) << "HubSpot gave up batches: events were lost";

  // ---- F9: none of the fixtures' personal data at rest in Redis ------------
  std::set<std::string> needles;
  for (const auto& f : fixtures) {
    for (const auto& c : f.companies) {
      needles.insert(c.fields.name);
      needles.insert(c.fields.phone);
      needles.insert(c.fields.city);
    }
    for (const auto& d : f.deals) {
      needles.insert(d.fields.name);
      needles.insert(d.fields.amount);
    }
    for (const auto& o : f.tenant.owners) needles.insert(o.email);
  }
  auto scan = [&](size_t& key_count, size_t& value_count) {
    std::vector<std::string> found;
    auto keys = s.dump_redis();
    key_count = keys.size();
    value_count = 0;
    for (const auto& k : keys) {
      value_count += k.values.size();
      for (const auto& n : needles) {
        if (k.key.find(n) != std::string::npos) found.push_back("key name " + k.key + " has " + n);
        for (const auto& v : k.values) {
          if (v.find(n) != std::string::npos) {
            found.push_back(k.type + " " + k.key + " holds '" + n + "'");
            break;
          }
        }
      }
    }
    return found;
  };
  // The scan itself must see what is there: a canary stream entry and hash
  // field holding fixture values are found, then removed.
  const std::string canary_name = fixtures[0].companies[0].fields.name;
  const std::string canary_amount = fixtures[0].deals[0].fields.amount;
  s.redis().command({"XADD", "hbsync:e2e:canary:stream", "*", "note", "x " + canary_name + " y"});
  s.redis().command({"HSET", "hbsync:e2e:canary:hash", "f", canary_amount});
  size_t key_count = 0, value_count = 0;
  auto canaries = scan(key_count, value_count);
  EXPECT_EQ(std::count_if(canaries.begin(), canaries.end(),
                          [](const std::string& f) {
                            return f.find("hbsync:e2e:canary:") != std::string::npos;
                          }),
            2)
      << "the scan must find the two canaries";
  s.redis().command({"DEL", "hbsync:e2e:canary:stream", "hbsync:e2e:canary:hash"});

  auto found = scan(key_count, value_count);
  std::cout << "Redis scan: " << key_count << " keys, " << value_count << " values checked for "
            << needles.size() << " fixture strings\n";
  EXPECT_GT(key_count, 0u);
  EXPECT_TRUE(found.empty()) << found.size() << " findings, e.g.\n"
                             << [&] {
                                  std::string out;
                                  for (size_t i = 0; i < found.size() && i < 20; ++i)
                                    out += "  " + found[i] + "\n";
                                  return out;
                                }();
}

}  // namespace
}  // namespace hbsync::e2e
