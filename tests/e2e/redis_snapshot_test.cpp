// Fault suite (issue 8, B7): Redis restarted from an older snapshot in the
// middle of a burst, end to end with real processes (the Stack of
// harness.hpp).
//
// The first deals of each tenant are synced, Redis is snapshotted (SAVE, the
// RDB file copied), more deals are synced - some of a company board has not
// seen yet - and, while that burst is still running, Redis is killed and
// started again from the older snapshot: the deal and company links (and the
// idempotency claims) written after it are gone. Then every deal's stage is
// moved. board must still hold exactly one project per deal, now at the new
// order status, and one client per company: the writer finds a project whose
// link was lost by its management_no, and a client by its exact name.
//
// Prints `sent=<deals> applied=<deals with a project> duplicated=<extra
// projects or clients> lost=<deals without project>`.
#include <gtest/gtest.h>

#include <atomic>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "harness.hpp"
#include "hbsync/links/keys.hpp"

namespace hbsync::e2e {
namespace {

constexpr int kTenants = 2;
constexpr int kCompanies = 4;  // the last one gets its first deal after the snapshot
constexpr int kBefore = 8;     // deals per tenant synced before the snapshot
constexpr int kAfter = 22;     // deals per tenant created after it

// Calls Stack::finish_test() when the test ends (logs of a failed test).
struct Finish {
  Stack& s;
  ~Finish() { s.finish_test(); }
};

struct Fixture {
  Tenant tenant;
  std::vector<std::string> company_names;
  std::vector<std::string> company_ids;
  std::vector<std::string> deal_ids;  // as created
  std::vector<size_t> deal_company;   // company index of each deal
  std::mutex mutex;                   // deal_ids, deal_company while a burst runs
};

// Creates deals [from, to) of one tenant: deals before the snapshot use the
// first kCompanies - 1 companies only.
void create_deals(Stack& s, Fixture& f, int from, int to) {
  static const char* stages[] = {stage::appointment, stage::qualified, stage::contract, stage::won};
  for (int d = from; d < to; ++d) {
    const size_t company = d < kBefore ? d % (kCompanies - 1) : d % kCompanies;
    auto id =
        s.create_deal(f.tenant,
                      {.name = "スナップショット案件 " + f.tenant.id + "-" + std::to_string(d),
                       .stage = stages[d % 4],
                       .owner_id = d % 2 == 0 ? 7001 : 0},
                      {{.company_id = f.company_ids[company], .primary = true}});
    std::lock_guard lock(f.mutex);
    f.deal_ids.push_back(id);
    f.deal_company.push_back(company);
  }
}

int64_t projects_total(Stack& s, const std::vector<std::unique_ptr<Fixture>>& fixtures) {
  int64_t n = 0;
  for (const auto& f : fixtures) n += static_cast<int64_t>(s.board_projects(f->tenant).size());
  return n;
}

struct Tally {
  int64_t sent = 0, applied = 0, duplicated = 0, lost = 0;
  std::vector<std::string> problems;
  std::string line() const {
    return "sent=" + std::to_string(sent) + " applied=" + std::to_string(applied) +
           " duplicated=" + std::to_string(duplicated) + " lost=" + std::to_string(lost);
  }
  std::string details() const {
    std::string out;
    for (size_t i = 0; i < problems.size() && i < 30; ++i) out += "  " + problems[i] + "\n";
    if (problems.size() > 30) out += "  ... " + std::to_string(problems.size() - 30) + " more\n";
    return out;
  }
};

// Counted on board's own records: one client per company, one project per
// deal (management_no HS-<deal id>) of the right client at `order_status`.
Tally tally(Stack& s, const std::vector<std::unique_ptr<Fixture>>& fixtures, int order_status) {
  Tally t;
  for (const auto& f : fixtures) {
    const std::string& tid = f->tenant.id;
    std::map<std::string, std::vector<int64_t>> clients;
    for (const auto& c : s.board_clients(f->tenant)) clients[c.name].push_back(c.id);
    for (const auto& [name, ids] : clients) {
      if (ids.size() > 1) {
        t.duplicated += static_cast<int64_t>(ids.size()) - 1;
        t.problems.push_back("tenant " + tid + ": " + std::to_string(ids.size()) +
                             " clients named " + name);
      }
    }
    std::map<std::string, std::vector<BoardProject>> projects;
    for (auto& p : s.board_projects(f->tenant)) projects[p.management_no].push_back(p);
    std::set<std::string> ours;
    for (size_t d = 0; d < f->deal_ids.size(); ++d) {
      const std::string no = "HS-" + f->deal_ids[d];
      ours.insert(no);
      ++t.sent;
      auto it = projects.find(no);
      const size_t n = it == projects.end() ? 0 : it->second.size();
      if (n == 0) {
        ++t.lost;
        t.problems.push_back("tenant " + tid + ": no project for deal " + f->deal_ids[d]);
        continue;
      }
      ++t.applied;
      if (n > 1) {
        t.duplicated += static_cast<int64_t>(n) - 1;
        t.problems.push_back("tenant " + tid + ": " + std::to_string(n) + " projects for deal " +
                             f->deal_ids[d]);
      }
      const auto& want = clients[f->company_names[f->deal_company[d]]];
      for (const auto& p : it->second) {
        if (p.order_status != order_status) {
          t.problems.push_back("tenant " + tid + ": project " + std::to_string(p.id) +
                               " has order status " + std::to_string(p.order_status));
        }
        if (want.empty() || p.client_id != want.front()) {
          t.problems.push_back("tenant " + tid + ": project " + std::to_string(p.id) +
                               " of the wrong client " + std::to_string(p.client_id));
        }
      }
    }
    for (const auto& [no, ps] : projects) {
      if (!ours.count(no)) {
        t.duplicated += static_cast<int64_t>(ps.size());
        t.problems.push_back("tenant " + tid + ": unexpected project '" + no + "'");
      }
    }
  }
  return t;
}

TEST(RedisSnapshot, RestartedFromAnOlderSnapshotMidBurstStillOneProjectPerDeal) {
  StackOptions o;
  o.writers = 2;
  o.service_env["HBSYNC_KAFKA_SESSION_TIMEOUT"] = "3s";
  o.service_env["HBSYNC_KAFKA_RETRY_MAX_DELAY"] = "2s";
  o.env_by_service["writer"]["HBSYNC_WRITER_CLAIM_TTL"] = "3s";
  std::unique_ptr<Stack> owned;
  try {
    owned = std::make_unique<Stack>(o);
  } catch (const std::exception& e) {
    FAIL() << "the e2e stack did not start: " << e.what();
  }
  Stack& s = *owned;
  Finish finish{s};

  std::vector<std::unique_ptr<Fixture>> fixtures;
  for (int t = 0; t < kTenants; ++t) {
    auto f = std::make_unique<Fixture>();
    f->tenant = s.provision();
    for (int c = 0; c < kCompanies; ++c) {
      f->company_names.push_back("株式会社スナップ" + std::to_string(t) + "-" + std::to_string(c));
      f->company_ids.push_back(s.create_company(f->tenant, {.name = f->company_names.back()}));
    }
    fixtures.push_back(std::move(f));
  }

  // ---- synced before the snapshot -----------------------------------------
  for (auto& f : fixtures) create_deals(s, *f, 0, kBefore);
  ASSERT_TRUE(s.wait_idle(120s));
  ASSERT_EQ(projects_total(s, fixtures), kTenants * kBefore);
  const std::string rdb = s.redis_server().snapshot(s.dir() + "/older.rdb");

  // ---- a burst, and Redis back from the snapshot in its middle -------------
  std::atomic<bool> failed{false};
  std::vector<std::thread> burst;
  for (auto& f : fixtures) {
    burst.emplace_back([&s, &failed, f = f.get()] {
      try {
        create_deals(s, *f, kBefore, kBefore + kAfter);
      } catch (const std::exception& e) {
        std::cerr << "burst of tenant " << f->tenant.id << ": " << e.what() << std::endl;
        failed = true;
      }
    });
  }
  int64_t at = 0;
  const bool midway = wait_for(
      "projects made after the snapshot",
      [&] { return failed || (at = projects_total(s, fixtures)) >= kTenants * kBefore + 16; },
      120s);
  s.redis_server().restart_from(rdb);
  // The scenario itself: links of deals and companies synced before the
  // restart are gone (counted at once, before the burst links some again).
  int64_t deal_links_lost = 0, company_links_lost = 0;
  for (const auto& f : fixtures) {
    for (const auto& p : s.board_projects(f->tenant)) {
      if (p.management_no.rfind("HS-", 0) != 0) continue;
      auto r = s.redis().command(
          {"HGET", hbsync::links::keys::deal(f->tenant.id), p.management_no.substr(3)});
      if (!r.is_string()) ++deal_links_lost;
    }
    for (const auto& c : s.board_clients(f->tenant)) {
      for (size_t i = 0; i < f->company_names.size(); ++i) {
        if (c.name != f->company_names[i]) continue;
        auto r = s.redis().command(
            {"HGET", hbsync::links::keys::company(f->tenant.id), f->company_ids[i]});
        if (!r.is_string()) ++company_links_lost;
      }
    }
  }
  std::cout << "redis restarted from the snapshot at " << at << "/" << kTenants * (kBefore + kAfter)
            << " projects; links lost: " << deal_links_lost << " deals, " << company_links_lost
            << " companies" << std::endl;
  for (auto& t : burst) t.join();
  ASSERT_TRUE(midway);
  ASSERT_FALSE(failed);
  ASSERT_TRUE(s.wait_idle(180s));

  // ---- every deal's stage moved --------------------------------------------
  for (const auto& f : fixtures) {
    for (const auto& id : f->deal_ids) s.move_stage(f->tenant, id, stage::presentation);
  }
  ASSERT_TRUE(s.wait_idle(180s));

  auto t = tally(s, fixtures, 3);
  auto dlq = s.topic_size("sync.dlq");
  std::cout << "\n==== fault redis snapshot: " << t.line() << " (links lost: " << deal_links_lost
            << " deals, " << company_links_lost << " companies; dead letters "
            << (dlq ? std::to_string(*dlq) : "?") << ")\n"
            << std::endl;
  EXPECT_EQ(t.sent, kTenants * (kBefore + kAfter));
  EXPECT_EQ(t.duplicated, 0) << t.details();
  EXPECT_EQ(t.lost, 0) << t.details();
  EXPECT_TRUE(t.problems.empty()) << t.details();
  EXPECT_EQ(dlq.value_or(-1), 0) << "commands or events were dead-lettered";
  EXPECT_GT(deal_links_lost, 0) << "the restore lost no deal link: the scenario did not happen";
}

}  // namespace
}  // namespace hbsync::e2e
