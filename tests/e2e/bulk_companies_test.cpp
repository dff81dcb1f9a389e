// SPEC F5 bulk board -> HubSpot companies (会社情報同期), end to end: board
// clients seeded in the board simulator, the run requested with hbsync-ctl
// bulk-sync companies (or published), executed by hbsync-poller against both
// simulators, the outcome read from the HubSpot simulator's control API, the
// links in Redis and the status hash. One stack for the suite, one tenant per
// test.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "harness.hpp"
#include "hbsync/bulk/status.hpp"

namespace hbsync::e2e {
namespace {

constexpr auto kRun = 90s;
constexpr const char* kIdProperty = "hbsync_board_client_id";

struct Company {
  std::string id, name, client_id, url, zip, state, city, phone;
};

class BulkCompanies : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    try {
      StackOptions o;
      o.pollers = 1;
      o.writers = 1;
      // A killed poller's run is taken over 2 s after its last renewal.
      o.env_by_service["poller"] = {{"HBSYNC_POLLER_BULK_LEASE", "2s"},
                                    {"HBSYNC_KAFKA_RETRY_MAX_DELAY", "500ms"},
                                    {"HBSYNC_KAFKA_SESSION_TIMEOUT", "3s"}};
      stack_ = new Stack(o);
    } catch (const std::exception& e) {
      start_error_ = e.what();
    }
  }
  static void TearDownTestSuite() {
    delete stack_;
    stack_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(stack_, nullptr) << "stack did not start: " << start_error_; }
  void TearDown() override {
    if (stack_ == nullptr) return;
    stack_->hubspot().control("POST", "/_sim/latency", R"({"ms":0})");
    stack_->finish_test();
  }
  Stack& s() { return *stack_; }

  std::vector<BoardClient> seed(const Tenant& t, int count, const std::string& prefix) {
    std::vector<BoardClient> out;
    for (int i = 1; i <= count; ++i) {
      out.push_back(s().seed_board_client(t, prefix + " " + std::to_string(i) + " 株式会社"));
    }
    return out;
  }

  // Every company of the portal (control API: not counted, no latency).
  std::vector<Company> companies(const Tenant& t) {
    auto doc = s().hubspot().control(
        "GET", "/_sim/portals/" + std::to_string(t.portal_id) + "/objects/companies");
    std::vector<Company> out;
    auto text = [](const rapidjson::Value& p, const char* name) {
      return p.HasMember(name) && p[name].IsString() ? std::string(p[name].GetString()) : "";
    };
    for (const auto& o : doc["results"].GetArray()) {
      const auto& p = o["properties"];
      out.push_back({.id = o["id"].GetString(),
                     .name = text(p, "name"),
                     .client_id = text(p, kIdProperty),
                     .url = text(p, t.link_property.c_str()),
                     .zip = text(p, "zip"),
                     .state = text(p, "state"),
                     .city = text(p, "city"),
                     .phone = text(p, "phone")});
    }
    return out;
  }

  // Successful batch create calls the HubSpot simulator counted for the portal.
  int64_t batch_creates(const Tenant& t) {
    auto calls = s().hubspot_calls();
    const std::string portal = std::to_string(t.portal_id);
    if (!calls.HasMember("accounts") || !calls["accounts"].HasMember(portal.c_str())) return 0;
    int64_t n = 0;
    for (const auto& route : calls["accounts"][portal.c_str()]["routes"].GetObject()) {
      if (std::string(route.name.GetString()).find("batch/create") == std::string::npos) continue;
      for (const auto& status : route.value.GetObject()) {
        if (status.name.GetString()[0] == '2') n += status.value.GetInt64();
      }
    }
    return n;
  }

  int64_t links(const Tenant& t, const char* kind) {
    return s().redis().command({"HLEN", "hbsync:tenant:" + t.id + ":links:" + kind}).integer;
  }

  std::optional<bulk::Status> status(const Tenant& t) {
    return bulk::read_status(s().redis(), t.id);
  }

  // Publishes the request through the ctl (--no-wait); returns the run id.
  std::string request(const Tenant& t) {
    auto r = s().ctl({"bulk-sync", "companies", t.id, "--no-wait"});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    auto at = r.output.find("(run ");
    if (at == std::string::npos) return "";
    return r.output.substr(at + 5, r.output.find(')', at) - at - 5);
  }

  bool wait_finished(const Tenant& t, const std::string& run) {
    std::optional<bulk::Status> last;
    return wait_for(
        "bulk run " + run + " to finish",
        [&] {
          last = status(t);
          return last && last->run_id == run && last->finished();
        },
        kRun, [&] { return last ? bulk::progress_line(*last) : std::string("no status"); });
  }

  static Stack* stack_;
  static std::string start_error_;
};

Stack* BulkCompanies::stack_ = nullptr;
std::string BulkCompanies::start_error_;

TEST_F(BulkCompanies, TwoHundredFiftyClientsInThreeBatchCreatesThenARerunCreatesNothing) {
  Tenant t = s().provision();
  auto clients = seed(t, 249, "Bulk");
  // One client with every mapped field: the reverse F3.3 mapping.
  auto full = s().board().control(
      "POST", "/_sim/accounts/" + t.board_api_key + "/clients",
      R"({"name":"株式会社フル","name_disp":"フル","zip":"150-0001","pref":"東京都",)"
      R"("address1":"渋谷区神宮前1-1","tel":"03-1234-5678"})");
  const int64_t full_id = json_int(full, {"id"});

  auto first = s().ctl({"bulk-sync", "companies", t.id});
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_NE(first.output.find("total 250, created 250, linked 0, skipped 0, failed 0"),
            std::string::npos)
      << first.output;
  // Not a terminal: plain progress lines on stderr.
  EXPECT_NE(first.output.find("bulk-sync companies "), std::string::npos) << first.output;
  EXPECT_EQ(batch_creates(t), 3);

  auto made = companies(t);
  ASSERT_EQ(made.size(), 250u);
  std::set<std::string> names, client_ids;
  for (const auto& c : made) {
    names.insert(c.name);
    client_ids.insert(c.client_id);
    EXPECT_EQ(c.url, "https://the-board.jp/clients/" + c.client_id) << c.name;
    if (c.client_id == std::to_string(full_id)) {
      EXPECT_EQ(c.name, "株式会社フル");
      EXPECT_EQ(c.zip, "150-0001");
      EXPECT_EQ(c.state, "東京都");
      EXPECT_EQ(c.city, "渋谷区神宮前1-1");
      EXPECT_EQ(c.phone, "03-1234-5678");
    }
  }
  EXPECT_EQ(names.size(), 250u);
  EXPECT_EQ(client_ids.size(), 250u);
  EXPECT_EQ(links(t, "client"), 250);
  EXPECT_EQ(links(t, "company"), 250);
  for (const auto& c : made) {
    auto linked =
        s().redis().command({"HGET", "hbsync:tenant:" + t.id + ":links:client", c.client_id});
    EXPECT_EQ(linked.str, c.id);
  }

  auto second = s().ctl({"bulk-sync", "companies", t.id});
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_NE(second.output.find("total 250, created 0, linked 0, skipped 250, failed 0"),
            std::string::npos)
      << second.output;
  EXPECT_EQ(batch_creates(t), 3) << "the rerun made create calls";
  EXPECT_EQ(companies(t).size(), 250u);

  // Ids and counts only at rest (SPEC F9): no client name in the status.
  auto status_dump = s().redis().command({"HGETALL", bulk::status_key(t.id)});
  for (const auto& e : status_dump.elements) EXPECT_EQ(e.str.find("Bulk"), std::string::npos);
  auto st = s().ctl({"bulk-sync", "status", t.id});
  EXPECT_EQ(st.exit_code, 0) << st.output;
  EXPECT_NE(st.output.find("250/250"), std::string::npos) << st.output;
}

TEST_F(BulkCompanies, ACompanyWithExactlyTheNameIsLinkedNotCreated) {
  Tenant t = s().provision();
  const std::string existing = s().create_company(t, {.name = "既存商事株式会社"});
  s().create_company(t, {.name = "ACME"});
  s().seed_board_client(t, "既存商事株式会社");
  s().seed_board_client(t, "acme");  // case differs: not the same name
  s().seed_board_client(t, "新規商事");
  // HubSpot's search trails writes: wait until it sees the company.
  ASSERT_TRUE(wait_for(
      "search to see the existing company",
      [&] {
        auto r = s().hubspot_api(
            t, "POST", "/crm/v3/objects/companies/search",
            R"({"filterGroups":[{"filters":[{"propertyName":"name","operator":"EQ","value":"既存商事株式会社"}]}]})");
        return r.ok() && json_int(r.json(), {"total"}) == 1;
      },
      30s, [] { return std::string("search total != 1"); }));

  auto r = s().ctl({"bulk-sync", "companies", t.id});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("total 3, created 2, linked 1, skipped 0, failed 0"), std::string::npos)
      << r.output;
  auto all = companies(t);
  EXPECT_EQ(all.size(), 4u);  // 既存, ACME, acme, 新規
  int named = 0;
  for (const auto& c : all) {
    if (c.name != "既存商事株式会社") continue;
    ++named;
    EXPECT_EQ(c.id, existing);
    EXPECT_FALSE(c.client_id.empty());
    EXPECT_EQ(c.url, "https://the-board.jp/clients/" + c.client_id);
  }
  EXPECT_EQ(named, 1);
  auto history = s().history(t, 50);
  int linked = 0;
  for (const auto& e : history) {
    if (e.action == "linked" && e.company_id == std::stoll(existing)) ++linked;
  }
  EXPECT_EQ(linked, 1);
}

TEST_F(BulkCompanies, KillNineMidRunResumesWithoutDuplicatesAndProgressIsVisible) {
  Tenant t = s().provision();
  seed(t, 250, "Kill");
  // Every HubSpot answer held back 1.5 s (the request is applied at once):
  // a kill while a batch create waits for its answer leaves companies that
  // no link records yet.
  s().hubspot().control("POST", "/_sim/latency", R"({"ms":1500})");
  const std::string run = request(t);
  ASSERT_FALSE(run.empty());

  // Progress visible while it runs, then the kill with the second batch
  // created in HubSpot but not yet counted.
  std::optional<bulk::Status> mid;
  ASSERT_TRUE(wait_for(
      "the second batch created in HubSpot while the run shows 100 done",
      [&] {
        mid = status(t);
        return mid && mid->run_id == run && mid->state == "running" && mid->done == 100 &&
               companies(t).size() == 200;
      },
      kRun, [&] { return mid ? bulk::progress_line(*mid) : std::string("no status"); }));
  EXPECT_EQ(mid->total, 250);
  EXPECT_NE(
      s().metrics("poller").find("hbsync_bulk_sync_progress_ratio{tenant=\"" + t.id + "\"} 0.4"),
      std::string::npos);
  s().kill("poller");
  EXPECT_EQ(links(t, "client"), 100) << "the killed batch was recorded after all";

  s().hubspot().control("POST", "/_sim/latency", R"({"ms":0})");
  s().start("poller");
  ASSERT_TRUE(wait_finished(t, run));
  auto done = status(t);
  EXPECT_EQ(done->state, "done");
  EXPECT_EQ(done->total, 250);
  EXPECT_EQ(done->done, 250);
  EXPECT_EQ(done->created, 250);
  EXPECT_EQ(done->failed, 0);
  EXPECT_GE(done->attempts, 2);

  auto all = companies(t);
  std::map<std::string, int> per_client;
  for (const auto& c : all) ++per_client[c.client_id];
  EXPECT_EQ(all.size(), 250u) << "duplicate companies after the resume";
  EXPECT_EQ(per_client.size(), 250u);
  EXPECT_EQ(links(t, "client"), 250);
  EXPECT_EQ(batch_creates(t), 3) << "the resumed run created the killed batch again";
}

TEST_F(BulkCompanies, CtlExitCodesForAnUnknownTenantAndAFailedRun) {
  auto unknown = s().ctl({"bulk-sync", "companies", "99999999"});
  EXPECT_EQ(unknown.exit_code, 3) << unknown.output;

  Tenant t = s().provision();
  seed(t, 3, "Refused");
  // HubSpot refuses the tenant's token (a private-app token: no refresh).
  s().hubspot().control("POST", "/_sim/revoke", R"({"credential":")" + t.hubspot_token + "\"}");
  auto r = s().ctl({"bulk-sync", "companies", t.id});
  s().hubspot().control("POST", "/_sim/unrevoke", R"({"credential":")" + t.hubspot_token + "\"}");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("failed: total"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("hubspot_unauthorized"), std::string::npos) << r.output;
  auto st = status(t);
  ASSERT_TRUE(st);
  EXPECT_EQ(st->state, "failed");
  EXPECT_TRUE(companies(t).empty());
  // Fixed: a new run does the work.
  auto again = s().ctl({"bulk-sync", "companies", t.id});
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(companies(t).size(), 3u);
}

}  // namespace
}  // namespace hbsync::e2e
