// hbsync-poller as real processes (two replicas) in the e2e Stack: sync now
// through hbsync-ctl, board.changes read back from Kafka, the board
// simulator's call counters (SPEC F4.1, F4.2, F4.5, F4.6; issue 10).
//
// Links are written here with libs/links as the writer writes them: the
// poller only reads them, and these tests are about the poller, not about how
// the writer links.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "harness.hpp"
#include "hbsync/domain/dates.hpp"
#include "hbsync/kafka/reader.hpp"
#include "hbsync/links/links.hpp"
#include "hbsync/poll/status.hpp"
#include "hbsync/v1/events.pb.h"

namespace {

using namespace std::chrono_literals;
using hbsync::e2e::Stack;
using hbsync::e2e::Tenant;
using hbsync::v1::BoardProjectChange;

Stack* stack = nullptr;

class PollerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    hbsync::e2e::StackOptions o;
    o.mappers = 1;
    o.writers = 1;
    o.pollers = 2;
    o.brokers = 1;
    o.partitions = 3;
    o.service_env = {
        {"HBSYNC_KAFKA_SESSION_TIMEOUT", "3s"}, {"HBSYNC_KAFKA_RETRY_INITIAL_DELAY", "200ms"},
        {"HBSYNC_KAFKA_RETRY_MAX_DELAY", "1s"}, {"HBSYNC_KAFKA_RETRY_MAX_ATTEMPTS", "1000"},
        {"HBSYNC_POLLER_LEASE_TTL", "3s"},      {"HBSYNC_POLLER_TICK", "1s"}};
    stack = new Stack(o);
  }
  static void TearDownTestSuite() {
    delete stack;
    stack = nullptr;
  }
  void TearDown() override { stack->finish_test(); }

  // A board project of the tenant (through the simulator's control API);
  // `invoice_dates` > 1 makes a 分割請求 project with that many invoices.
  int64_t project(const Tenant& t, int order_status, const std::string& total,
                  int invoice_dates = 1) {
    if (client_.count(t.id) == 0) client_[t.id] = stack->seed_board_client(t, "Client " + t.id).id;
    std::string dates;
    for (int i = 0; i < invoice_dates; ++i) {
      dates += std::string(i ? "," : "") + "\"2027-0" + std::to_string(i + 1) + "-28\"";
    }
    const std::string timing = invoice_dates > 1
                                   ? R"("invoice_timing_kbn":3,"invoice_dates":[)" + dates + "]"
                                   : R"("invoice_timing_kbn":1,"invoice_date":"2027-01-31")";
    auto doc = stack->board().control(
        "POST", "/_sim/accounts/" + t.board_api_key + "/projects",
        R"({"name":"P","client_id":)" + std::to_string(client_[t.id]) + R"(,"user_id":)" +
            std::to_string(t.board_user_ids.front()) + R"(,"order_status":)" +
            std::to_string(order_status) + "," + timing + R"(,"total":")" + total + R"("})");
    return hbsync::e2e::json_int(doc, {"id"});
  }

  // The project's invoice ids (control API, uncounted).
  std::vector<int64_t> invoices_of(const Tenant& t, int64_t project_id) {
    auto doc = stack->board().control("GET", "/_sim/accounts/" + t.board_api_key + "/invoices");
    std::vector<int64_t> out;
    for (const auto& i : doc.GetArray()) {
      if (hbsync::e2e::json_int(i, {"project_id"}) == project_id) {
        out.push_back(hbsync::e2e::json_int(i, {"id"}));
      }
    }
    return out;
  }

  void link(const Tenant& t, int64_t project_id, int64_t deal_id) {
    hbsync::links::Links(stack->redis()).link_deal(t.id, deal_id, {.project_id = project_id});
  }

  // Every BoardProjectChange of the tenant on board.changes.
  std::vector<BoardProjectChange> changes(const Tenant& t) {
    hbsync::kafka::ReaderOptions o;
    o.client.brokers = stack->kafka().bootstrap();
    hbsync::kafka::TopicReader reader(o);
    std::vector<BoardProjectChange> out;
    reader.read_all("board.changes", [&](const hbsync::kafka::Record& r) {
      BoardProjectChange c;
      if (c.ParseFromString(r.value) && c.tenant_id() == t.id) {
        EXPECT_EQ(r.key, t.id + ":project:" + std::to_string(c.project_id()));
        out.push_back(c);
      }
    });
    return out;
  }

  // hbsync-ctl sync now TENANT --wait: must succeed.
  hbsync::poll::RunStatus sync_now(const Tenant& t) {
    auto r = stack->ctl({"sync", "now", t.id, "--wait", "--timeout", "50s"});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("succeeded"), std::string::npos) << r.output;
    return hbsync::poll::read_status(stack->redis(), t.id);
  }

  int64_t list_calls(const Tenant& t) {
    return stack->board_route_calls(t, "GET /v1/projects") +
           stack->board_route_calls(t, "GET /v1/invoices");
  }

  std::map<std::string, int64_t> client_;
};

// F4.2 + F4.1 sync now: only linked projects, with status, total, invoices.
TEST_F(PollerTest, SyncNowPublishesLinkedProjectsOnly) {
  const Tenant t = stack->provision();
  const int64_t a = project(t, 4, "90000");
  const int64_t b = project(t, 5, "120000", 2);
  const int64_t unlinked = project(t, 1, "5000");
  link(t, a, 9001);
  link(t, b, 9002);
  const auto status = sync_now(t);
  EXPECT_EQ(status.state, "succeeded");
  EXPECT_TRUE(status.full);  // the first run lists everything
  EXPECT_EQ(status.published, 2);
  EXPECT_EQ(status.projects_seen, 3);
  const auto seen = changes(t);
  ASSERT_EQ(seen.size(), 2u);
  std::map<int64_t, BoardProjectChange> by_id;
  for (const auto& c : seen) by_id[c.project_id()] = c;
  ASSERT_TRUE(by_id.count(a) && by_id.count(b));
  EXPECT_EQ(by_id.count(unlinked), 0u);
  EXPECT_EQ(by_id[a].order_status(), 4);
  EXPECT_EQ(by_id[a].total(), "90000.0");
  EXPECT_EQ(by_id[a].invoice_statuses_size(), 1);
  EXPECT_EQ(by_id[b].order_status(), 5);
  EXPECT_EQ(by_id[b].invoice_statuses_size(), 2);
  EXPECT_EQ(by_id[b].poll_run_id(), status.run_id);
  EXPECT_GT(by_id[b].updated_at_ms(), 0);
  EXPECT_GT(by_id[b].observed_at_ms(), 0);
  const std::string metrics = stack->metrics("poller", 0) + stack->metrics("poller", 1);
  EXPECT_NE(metrics.find(R"(hbsync_poller_runs_total{kind="sync_now",result="succeeded"})"),
            std::string::npos);
  EXPECT_NE(metrics.find("hbsync_poller_changes_published_total"), std::string::npos);
}

// F4.6: a second run with nothing changed publishes nothing and costs only
// the two list pages; a change costs the same two and publishes one.
TEST_F(PollerTest, IncrementalRunsCostOnlyTheListPages) {
  const Tenant t = stack->provision();
  std::vector<int64_t> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(project(t, 1, "1000"));
    link(t, ids.back(), 9100 + i);
  }
  sync_now(t);
  ASSERT_EQ(changes(t).size(), 5u);
  const int64_t before = stack->board_calls_for(t);
  const auto quiet = sync_now(t);
  EXPECT_FALSE(quiet.full);
  EXPECT_EQ(quiet.published, 0);
  EXPECT_EQ(quiet.calls, 2);
  EXPECT_EQ(stack->board_calls_for(t) - before, 2);  // GET /v1/projects, GET /v1/invoices
  EXPECT_EQ(changes(t).size(), 5u);

  stack->board().control("POST", "/_sim/projects/" + std::to_string(ids[2]) + "/order_status",
                         R"({"order_status":4})");
  const int64_t before_change = stack->board_calls_for(t);
  const auto changed = sync_now(t);
  EXPECT_EQ(changed.published, 1);
  EXPECT_EQ(stack->board_calls_for(t) - before_change, 2);
  const auto all = changes(t);
  ASSERT_EQ(all.size(), 6u);
  std::vector<int> statuses_of_changed;  // in order: one project's messages share a partition
  for (const auto& c : all) {
    if (c.project_id() == ids[2]) statuses_of_changed.push_back(c.order_status());
  }
  EXPECT_EQ(statuses_of_changed, (std::vector<int>{1, 4}));
}

// F4.5: an invoice-only change is published with the project's full invoice
// set and remembered order status, without a call per project.
TEST_F(PollerTest, InvoiceOnlyChangePublishesTheFullInvoiceSet) {
  const Tenant t = stack->provision();
  const int64_t p = project(t, 5, "300000", 3);
  link(t, p, 9200);
  sync_now(t);
  // Ten minutes later (board's clock) another project moves the project
  // watermark past p, so p is no longer re-listed by the overlap.
  stack->board().control("POST", "/_sim/clock", R"({"advance_seconds":600})");
  project(t, 1, "10");
  EXPECT_EQ(sync_now(t).published, 0);
  stack->board().control("POST", "/_sim/clock", R"({"advance_seconds":600})");
  const auto invoices = invoices_of(t, p);
  ASSERT_EQ(invoices.size(), 3u);
  stack->board().control("POST", "/_sim/invoices/" + std::to_string(invoices[1]) + "/status",
                         R"({"invoice_status":3})");
  const int64_t before = stack->board_calls_for(t);
  const auto status = sync_now(t);
  EXPECT_EQ(status.published, 1);
  EXPECT_EQ(stack->board_calls_for(t) - before, 2);  // the two list pages, no call for p
  const auto all = changes(t);
  ASSERT_EQ(all.size(), 2u);
  const auto& c = all.back();
  EXPECT_EQ(c.project_id(), p);
  EXPECT_EQ(c.order_status(), 5);  // remembered
  EXPECT_EQ(c.total(), "");        // the project itself was not listed in this run
  std::multiset<int> statuses(c.invoice_statuses().begin(), c.invoice_statuses().end());
  EXPECT_EQ(statuses, (std::multiset<int>{1, 1, 3}));
  EXPECT_GT(c.updated_at_ms(), all.front().updated_at_ms());
}

// Run intervals of the tenant's polls from the pollers' logs ("poll
// started" / "poll finished" lines, JSON with "ts"), per run id.
struct RunSpan {
  int replica = 0;
  int64_t start_ms = 0;
  int64_t end_ms = 0;  // 0: never finished (killed)
};

std::map<std::string, RunSpan> run_spans(const Tenant& t) {
  std::map<std::string, RunSpan> out;
  for (int replica = 0; replica < stack->replicas("poller"); ++replica) {
    std::ifstream in(stack->log_path("poller", replica));
    std::string line;
    while (std::getline(in, line)) {
      const bool started = line.find("\"poll started\"") != std::string::npos;
      const bool finished = line.find("\"poll finished\"") != std::string::npos;
      const std::string marker = "\"run\":\"poll-" + t.id + "-";
      const auto at = line.find(marker);
      if ((!started && !finished) || at == std::string::npos) continue;
      const auto id_start = at + 7;
      const std::string run = line.substr(id_start, line.find('"', id_start) - id_start);
      const auto ts = line.find("\"ts\":\"");
      const auto ms = hbsync::domain::parse_hubspot_timestamp_ms(
          line.substr(ts + 6, line.find('"', ts + 6) - (ts + 6)));
      if (!ms) continue;
      auto& span = out[run];
      span.replica = replica;
      (started ? span.start_ms : span.end_ms) = *ms;
    }
  }
  return out;
}

// kill -9 of the poller running a tenant's poll mid-run: the other replica
// takes the request over once the lease ran out and resumes from the
// watermarks; every change is published, no two runs of the tenant overlap,
// and board never saw more than 3 requests in a second from this tenant.
TEST_F(PollerTest, KilledRunIsTakenOverAndResumesFromTheWatermarks) {
  const Tenant t = stack->provision();
  std::vector<int64_t> ids;
  for (int i = 0; i < 250; ++i) {
    ids.push_back(project(t, 1, "1000"));
    link(t, ids.back(), 9300 + i);
  }
  const auto full = sync_now(t);
  EXPECT_TRUE(full.full);
  EXPECT_EQ(full.calls,
            6);  // 3 project pages, 3 invoice pages: more than 3 in a second unless held
  ASSERT_EQ(changes(t).size(), 250u);
  for (int64_t id : ids) {
    stack->board().control("POST", "/_sim/projects/" + std::to_string(id) + "/order_status",
                           R"({"order_status":4})");
  }
  stack->board().control("POST", "/_sim/latency", R"({"ms":1500})");  // slow board: time to kill
  const int64_t calls_before = stack->board_calls_for(t);
  auto requested = stack->ctl({"sync", "now", t.id});
  ASSERT_EQ(requested.exit_code, 0) << requested.output;
  std::string victim_run;
  ASSERT_TRUE(hbsync::testing::wait_for(
      "the run to be listing (2 board calls made)",
      [&] {
        const auto s = hbsync::poll::read_status(stack->redis(), t.id);
        if (s.state == "running") victim_run = s.run_id;
        return !victim_run.empty() && stack->board_calls_for(t) - calls_before >= 2;
      },
      30s));
  ASSERT_TRUE(hbsync::testing::wait_for(
      "the run's start in a poller log", [&] { return run_spans(t).count(victim_run) > 0; }, 10s));
  const int victim = run_spans(t)[victim_run].replica;
  stack->kill("poller", victim);
  const int64_t kill_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
  hbsync::poll::RunStatus done;
  ASSERT_TRUE(hbsync::testing::wait_for(
      "another poller to finish the run",
      [&] {
        done = hbsync::poll::read_status(stack->redis(), t.id);
        return done.state == "succeeded" && done.run_id != victim_run;
      },
      90s, [&] { return "status " + done.state + " run " + done.run_id; }));
  stack->board().control("POST", "/_sim/latency", R"({"ms":0})");

  std::map<int64_t, int> latest;
  for (const auto& c : changes(t)) latest[c.project_id()] = c.order_status();
  ASSERT_EQ(latest.size(), 250u);
  for (int64_t id : ids) EXPECT_EQ(latest[id], 4) << "project " << id;

  const auto spans = run_spans(t);
  std::vector<RunSpan> ordered;
  for (auto [run, span] : spans) {
    if (span.end_ms == 0) {
      EXPECT_EQ(run, victim_run) << "only the killed run never finished";
      span.end_ms = kill_ms;
    }
    ordered.push_back(span);
  }
  std::sort(ordered.begin(), ordered.end(),
            [](const RunSpan& a, const RunSpan& b) { return a.start_ms < b.start_ms; });
  for (size_t i = 1; i < ordered.size(); ++i) {
    EXPECT_GE(ordered[i].start_ms, ordered[i - 1].end_ms)
        << "runs " << i - 1 << " and " << i << " of the tenant overlap";
  }
  EXPECT_LE(stack->board_peak_per_second(t), 3);
  stack->start("poller", victim);
}

}  // namespace
