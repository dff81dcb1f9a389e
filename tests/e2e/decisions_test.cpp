// Issue 8, C10 and C11: a new decision is never dropped as a duplicate.
// End to end (HubSpot simulator -> ingress -> mapper -> writer -> board
// simulator, hbsync-ctl for dead letters):
// - HubSpot does not move a deal's updatedAt when a company is associated,
//   so a deal that failed with missing_company_name and then got a named
//   primary company must still sync (its command id covers the company);
// - `hbsync-ctl dlq replay` of such a dead letter decides afresh from
//   HubSpot's current state instead of resending the stale command, and
//   still makes one project;
// - a deal whose company changes after its project exists keeps the project
//   on its first client, and the history says so (company_changed).
// One stack for the suite; every test has its own tenant.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "stack_suite.hpp"

namespace hbsync::e2e {
namespace {

constexpr auto kSync = 60s;  // generous: a 2-core machine shared with builds
constexpr const char* kMissingName = "missing_company_name";

class Decisions : public StackSuite {
 protected:
  void restore_simulators() override {
    if (paused_) s().hubspot().control("POST", "/_sim/webhooks/resume");
  }

  static std::string deal_no(const std::string& deal) { return "HS-" + deal; }

  std::vector<BoardProject> projects_of(const Tenant& t, const std::string& deal) {
    std::vector<BoardProject> out;
    for (const auto& p : s().board_projects(t)) {
      if (p.management_no == deal_no(deal)) out.push_back(p);
    }
    return out;
  }

  std::string describe(const Tenant& t, const std::string& deal) {
    std::string out = "projects of deal " + deal + ":";
    for (const auto& p : projects_of(t, deal)) {
      out += " #" + std::to_string(p.id) + " client " + std::to_string(p.client_id);
    }
    out += "\nhistory (newest first):";
    for (const auto& e : s().history(t, 30)) out += "\n  " + Stack::describe(e);
    return out;
  }

  BoardProject wait_project(const Tenant& t, const std::string& deal) {
    std::vector<BoardProject> found;
    const bool ok = wait_for(
        "the board project of deal " + deal,
        [&] { return !(found = projects_of(t, deal)).empty(); }, kSync,
        [&] { return describe(t, deal); });
    if (!ok) throw std::runtime_error("no project for deal " + deal);
    return found.front();
  }

  std::string client_name(const Tenant& t, int64_t client_id) {
    for (const auto& c : s().board_clients(t)) {
      if (c.id == client_id) return c.name;
    }
    return "(no client " + std::to_string(client_id) + ")";
  }

  // Ids of the deal's dead letters from the writer with `reason`, from
  // `hbsync-ctl dlq list --json`.
  std::vector<std::string> dead_letters(const Tenant& t, const std::string& deal,
                                        const std::string& reason, bool pending_only) {
    auto r = s().ctl({"dlq", "list", "--tenant", t.id, "--json"});
    std::vector<std::string> ids;
    if (r.exit_code != 0) return ids;
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseStopWhenDoneFlag>(r.output.c_str());  // a note may follow
    if (doc.HasParseError() || !doc.IsArray()) return ids;
    auto str = [](const rapidjson::Value& v, const char* name) {
      return v.HasMember(name) && v[name].IsString() ? std::string(v[name].GetString())
                                                     : std::string();
    };
    for (const auto& l : doc.GetArray()) {
      if (str(l, "key") != t.id + ":deal:" + deal) continue;
      if (str(l, "source_topic") != "sync.commands" || str(l, "reason_code") != reason) continue;
      if (pending_only && str(l, "state") != "pending") continue;
      ids.push_back(str(l, "id"));
    }
    return ids;
  }

  std::vector<history::Entry> history_of(const Tenant& t, const std::string& deal) {
    std::vector<history::Entry> out;
    for (auto& e : s().history(t)) {
      if (std::to_string(e.deal_id) == deal) out.push_back(std::move(e));
    }
    return out;
  }

  // The deal's updatedAt as HubSpot reports it.
  std::string updated_at(const Tenant& t, const std::string& deal) {
    auto r = s().hubspot_api(t, "GET", "/crm/v3/objects/deals/" + deal);
    auto doc = r.json();
    return doc.HasMember("updatedAt") && doc["updatedAt"].IsString() ? doc["updatedAt"].GetString()
                                                                     : "";
  }

  // A deal whose only company has no name: the writer dead-letters its
  // command (missing_company_name), no project. Returns the dead letters.
  std::vector<std::string> failed_deal(const Tenant& t, const std::string& name,
                                       std::string& deal) {
    const std::string unnamed = s().create_company(t, {.zip = "150-0001"});
    deal = s().create_deal(t, {.name = name, .stage = stage::contract},
                           {{.company_id = unnamed, .primary = false}});
    std::vector<std::string> ids;
    wait_for(
        std::string("a dead letter ") + kMissingName + " for deal " + deal,
        [&] { return !(ids = dead_letters(t, deal, kMissingName, true)).empty(); }, kSync,
        [&] { return describe(t, deal); });
    return ids;
  }

  bool paused_ = false;
};

// C10: the deal failed for want of a company name; a named primary company
// is associated (the deal's updatedAt does not move): the deal syncs, once.
// Replaying the old dead letter then decides afresh and changes nothing.
TEST_F(Decisions, NamedPrimaryCompanyAssociatedLaterSyncsTheDeal) {
  Tenant t = s().provision();
  std::string deal;
  const auto letters = failed_deal(t, "決定案件 後から会社", deal);
  ASSERT_FALSE(letters.empty());
  ASSERT_TRUE(s().wait_idle(kSync));
  ASSERT_TRUE(projects_of(t, deal).empty());
  std::string failed_command;
  for (const auto& e : history_of(t, deal)) {
    if (e.action == "failed" && e.reason_code == kMissingName) failed_command = e.command_id;
  }
  ASSERT_FALSE(failed_command.empty()) << describe(t, deal);

  const std::string before = updated_at(t, deal);
  const std::string named = s().create_company(t, {.name = "株式会社ディシジョン商事"});
  s().associate(t, deal, named, true);
  ASSERT_EQ(updated_at(t, deal), before) << "the association moved the deal's updatedAt";

  const BoardProject project = wait_project(t, deal);
  EXPECT_EQ(client_name(t, project.client_id), "株式会社ディシジョン商事");
  s().wait_for_history(
      t, "a created entry for deal " + deal + " with company " + named,
      [&](const history::Entry& e) {
        return std::to_string(e.deal_id) == deal && e.action == "created" &&
               std::to_string(e.company_id) == named && e.project_id == project.id;
      },
      kSync);
  ASSERT_TRUE(s().wait_idle(kSync));
  EXPECT_EQ(projects_of(t, deal).size(), 1u) << describe(t, deal);

  // The old dead letter replayed: decided again from HubSpot (the named
  // company), not the stale command for the unnamed one.
  const size_t entries = history_of(t, deal).size();
  auto r = s().ctl({"dlq", "replay", letters.front()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("as a fresh decision of deal " + deal), std::string::npos) << r.output;
  ASSERT_TRUE(s().wait_idle(kSync));
  auto after = history_of(t, deal);
  ASSERT_GT(after.size(), entries) << "the replay was not handled\n" << describe(t, deal);
  for (size_t i = 0; i + entries < after.size(); ++i) {  // newest first: the replay's
    EXPECT_NE(after[i].command_id, failed_command)
        << "the stale command was applied again: " << Stack::describe(after[i]);
    EXPECT_NE(after[i].action, "failed") << Stack::describe(after[i]);
  }
  EXPECT_EQ(projects_of(t, deal).size(), 1u) << describe(t, deal);
  EXPECT_TRUE(dead_letters(t, deal, kMissingName, true).empty());
}

// C10: with HubSpot's webhooks held back, only the replay can bring the
// named primary company to the writer: it must decide afresh, and the
// association's webhook arriving afterwards must not make a second project.
TEST_F(Decisions, ReplayDecidesAfreshFromHubSpotsCurrentState) {
  Tenant t = s().provision();
  std::string deal;
  const auto letters = failed_deal(t, "決定案件 再実行", deal);
  ASSERT_FALSE(letters.empty());
  ASSERT_TRUE(s().wait_idle(kSync));

  s().hubspot().control("POST", "/_sim/webhooks/pause");
  paused_ = true;
  const std::string named = s().create_company(t, {.name = "株式会社リプレイ商事"});
  s().associate(t, deal, named, true);

  auto r = s().ctl({"dlq", "replay", letters.front()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const BoardProject project = wait_project(t, deal);
  EXPECT_EQ(client_name(t, project.client_id), "株式会社リプレイ商事");

  s().hubspot().control("POST", "/_sim/webhooks/resume");
  paused_ = false;
  ASSERT_TRUE(s().wait_idle(kSync));
  EXPECT_EQ(projects_of(t, deal).size(), 1u) << describe(t, deal);
  EXPECT_EQ(s().board_clients(t).size(), 1u);
}

// C10: the cause fixed where no deal webhook tells (the same company given a
// name): the replay's fresh decision is the one that failed, and is applied
// because it carries the replay header.
TEST_F(Decisions, ReplayAppliesTheSameDecisionOnceItsCauseIsFixed) {
  Tenant t = s().provision();
  std::string deal;
  const auto letters = failed_deal(t, "決定案件 名前を後で", deal);
  ASSERT_FALSE(letters.empty());
  ASSERT_TRUE(s().wait_idle(kSync));
  auto pr = s().hubspot_api(t, "GET", "/crm/v4/objects/deals/" + deal + "/associations/companies");
  auto doc = pr.json();
  ASSERT_TRUE(doc.HasMember("results") && doc["results"].IsArray() && doc["results"].Size() == 1)
      << pr.body;
  const std::string company = std::to_string(json_int(doc["results"][0], {"toObjectId"}));

  auto named = s().hubspot_api(t, "PATCH", "/crm/v3/objects/companies/" + company,
                               R"({"properties":{"name":"株式会社あとから命名"}})");
  ASSERT_TRUE(named.ok()) << named.status << " " << named.body;
  ASSERT_TRUE(s().wait_idle(kSync));
  ASSERT_TRUE(projects_of(t, deal).empty()) << "a company edit is not a deal event";

  auto r = s().ctl({"dlq", "replay", letters.front()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const BoardProject project = wait_project(t, deal);
  EXPECT_EQ(client_name(t, project.client_id), "株式会社あとから命名");
  ASSERT_TRUE(s().wait_idle(kSync));
  EXPECT_EQ(projects_of(t, deal).size(), 1u) << describe(t, deal);
}

// C11: the deal's company changes after its project exists (a primary set,
// then removed again). The project keeps its first client; each change is
// in the history as company_changed; one project, no client for the other
// company.
TEST_F(Decisions, CompanyChangedAfterTheProjectExistsIsRecorded) {
  Tenant t = s().provision();
  const std::string first = s().create_company(t, {.name = "株式会社ファースト商事"});
  const std::string deal =
      s().create_deal(t, {.name = "決定案件 会社変更", .stage = stage::contract},
                      {{.company_id = first, .primary = false}});
  const BoardProject project = wait_project(t, deal);
  EXPECT_EQ(client_name(t, project.client_id), "株式会社ファースト商事");
  ASSERT_TRUE(s().wait_idle(kSync));

  auto changed_to = [&](const std::string& company) {
    return s().wait_for_history(
        t, "a company_changed entry for deal " + deal + " to company " + company,
        [&](const history::Entry& e) {
          return std::to_string(e.deal_id) == deal && e.reason_code == "company_changed" &&
                 std::to_string(e.company_id) == company;
        },
        kSync);
  };
  const std::string second = s().create_company(t, {.name = "株式会社セカンド商事"});
  s().associate(t, deal, second, true);
  auto entry = changed_to(second);
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->project_id, project.id);
  EXPECT_NE(entry->message.find(first), std::string::npos) << entry->message;
  ASSERT_TRUE(s().wait_idle(kSync));
  auto projects = projects_of(t, deal);
  ASSERT_EQ(projects.size(), 1u) << describe(t, deal);
  EXPECT_EQ(projects[0].id, project.id);
  EXPECT_EQ(projects[0].client_id, project.client_id) << "the project moved to another client";
  EXPECT_EQ(s().board_clients(t).size(), 1u) << "a client was made for the new company";

  // The primary removed: the first company is the deal's again, with no
  // change to the deal's updatedAt; also recorded.
  auto removed = s().hubspot_api(
      t, "DELETE", "/crm/v4/objects/deals/" + deal + "/associations/companies/" + second);
  ASSERT_TRUE(removed.ok()) << removed.status << " " << removed.body;
  ASSERT_TRUE(changed_to(first));
  ASSERT_TRUE(s().wait_idle(kSync));
  projects = projects_of(t, deal);
  ASSERT_EQ(projects.size(), 1u) << describe(t, deal);
  EXPECT_EQ(projects[0].client_id, project.client_id);
}

}  // namespace
}  // namespace hbsync::e2e
