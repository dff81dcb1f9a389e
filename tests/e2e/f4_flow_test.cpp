// SPEC F4 board -> HubSpot as a whole chain of real processes (the e2e Stack
// with a poller): a deal synced to board by F3, the board user changes the
// project (the board simulator's control routes), `hbsync-ctl sync now`
// makes the poller publish the change, the mapper and writer bring the deal's
// stage and amount to HubSpot (read back through the HubSpot simulator's
// control routes, uncounted). Then the echoes, proven with quiescence: the
// webhook of our own deal update reaches the mapper and costs board nothing,
// a second sync now publishes nothing and costs HubSpot nothing, and a HubSpot
// user's move into the stage mapped to 請求済 leaves board alone.
//
// The daily schedule is the poller's own test (poller_test, scheduler_test);
// board.changes fed directly is f4_test.
#include <gtest/gtest.h>

#include "harness.hpp"
#include "hbsync/links/links.hpp"
#include "hbsync/poll/status.hpp"
#include "keys.hpp"

namespace {

using namespace std::chrono_literals;
using hbsync::e2e::json_int;
using hbsync::e2e::Stack;
using hbsync::e2e::Tenant;
using hbsync::e2e::wait_for;
namespace stage = hbsync::e2e::stage;

Stack* stack = nullptr;

using hbsync::e2e::now_ms;

struct Linked {
  int64_t deal = 0;
  int64_t project = 0;
};

class F4FlowTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    hbsync::e2e::StackOptions o;
    o.mappers = 1;
    o.writers = 1;
    o.pollers = 1;
    o.brokers = 1;
    o.partitions = 3;
    o.service_env = {{"HBSYNC_KAFKA_RETRY_INITIAL_DELAY", "100ms"}};
    stack = new Stack(o);
  }
  static void TearDownTestSuite() {
    delete stack;
    stack = nullptr;
  }
  void SetUp() override { links_ = std::make_unique<hbsync::links::Links>(stack->redis()); }
  void TearDown() override { stack->finish_test(); }

  // A deal at `at` with a primary company, synced to board by the F3 path
  // (webhook, mapper, writer): linked to its project.
  Linked linked_deal(const Tenant& t, const std::string& at) {
    const std::string company = stack->create_company(t, {.name = "株式会社フロー"});
    const std::string deal = stack->create_deal(
        t, {.name = "Flow deal", .stage = at, .amount = "50000"}, {{company, true}});
    Linked l{.deal = std::stoll(deal)};
    wait_for(
        "deal " + deal + " linked to a board project",
        [&] {
          auto link = links_->deal_link(t.id, l.deal);
          if (link) l.project = link->project_id;
          return link.has_value();
        },
        60s);
    return l;
  }

  // Every stage of the chain quiet: the poller's requests, board changes,
  // webhooks (events and batches), the mapper's and writer's lag, the deal
  // outbox; twice, since flushing the outbox makes webhooks.
  void settle(const Tenant& t) {
    for (int round = 0; round < 2; ++round) {
      wait_for(
          "sync.requests and board.changes consumed",
          [&] {
            return stack->group_lag("hbsync-poller", "sync.requests").value_or(1) == 0 &&
                   stack->group_lag("hbsync-mapper", "board.changes").value_or(1) == 0;
          },
          60s);
      ASSERT_TRUE(stack->wait_idle(60s));
      wait_for(
          "no webhook event queued and the deal outbox empty",
          [&] {
            auto w = stack->webhook_stats();
            auto& r = stack->redis();
            return json_int(w, {"events", "pending"}) == 0 &&
                   r.command({"HLEN", hbsync::writer::keys::deal_outbox(t.id)}).integer == 0 &&
                   r.command({"ZCARD", hbsync::writer::keys::kDealOutboxDue}).integer == 0;
          },
          60s);
    }
    ASSERT_TRUE(stack->wait_idle(60s));
  }

  // hbsync-ctl sync now TENANT --wait: the run must succeed.
  hbsync::poll::RunStatus sync_now(const Tenant& t) {
    auto r = stack->ctl({"sync", "now", t.id, "--wait", "--timeout", "50s"});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("succeeded"), std::string::npos) << r.output;
    return hbsync::poll::read_status(stack->redis(), t.id);
  }

  // The deal's property as HubSpot has it (control route: not counted).
  std::string deal_property(const Tenant& t, int64_t deal, const char* name) {
    auto doc = stack->hubspot().control("GET", "/_sim/portals/" + t.id + "/objects/deals");
    for (const auto& o : doc["results"].GetArray()) {
      if (!o.HasMember("id") || o["id"].GetString() != std::to_string(deal)) continue;
      auto p = o["properties"].FindMember(name);
      return p != o["properties"].MemberEnd() && p->value.IsString() ? p->value.GetString() : "";
    }
    return "";
  }

  // The board user's edits (board simulator control routes).
  void board_user_sets(int64_t project, int order_status, const std::string& total) {
    const std::string base = "/_sim/projects/" + std::to_string(project);
    stack->board().control("POST", base + "/order_status",
                           R"({"order_status":)" + std::to_string(order_status) + "}");
    stack->board().control("POST", base + "/total", R"({"total":")" + total + R"("})");
  }

  // The HubSpot user's edit in the HubSpot UI (a CRM_UI webhook).
  void hubspot_user_moves(const Tenant& t, int64_t deal, const std::string& stage_id) {
    stack->hubspot().control("PATCH",
                             "/_sim/portals/" + t.id + "/objects/deals/" + std::to_string(deal),
                             R"({"properties":{"dealstage":")" + stage_id + R"("}})");
  }

  // Waits for a history entry of the deal written at or after `since`.
  void wait_history(const Tenant& t, int64_t deal, int64_t since, const std::string& direction,
                    const std::string& action, const std::string& reason) {
    stack->wait_for_history(
        t, direction + " " + action + " " + reason + " of deal " + std::to_string(deal),
        [&](const hbsync::history::Entry& e) {
          return e.deal_id == deal && e.at_ms >= since && e.direction == direction &&
                 e.action == action && e.reason_code == reason;
        },
        60s);
  }

  int64_t board_writes(const Tenant& t) {
    return stack->board_route_calls(t, "PATCH /v1/projects/order_status/{id}") +
           stack->board_route_calls(t, "POST /v1/projects") +
           stack->board_route_calls(t, "POST /v1/clients");
  }

  std::unique_ptr<hbsync::links::Links> links_;
};

// F4.1 sync now -> F4.3 stage, F4.4 amount; F4.7: our own deal update's
// webhook makes no board call, a second sync now publishes nothing and makes
// no HubSpot call.
TEST_F(F4FlowTest, BoardOrderStatusReachesTheDealThroughSyncNowWithoutEcho) {
  const Tenant t = stack->provision();
  const Linked l = linked_deal(t, stage::contract);  // 受注確定 (4)
  settle(t);
  // The tenant's first run: a full reconcile that finds board as F3 left it.
  const auto first = sync_now(t);
  EXPECT_TRUE(first.full);
  EXPECT_EQ(first.published, 1);
  settle(t);
  EXPECT_EQ(deal_property(t, l.deal, "dealstage"), stage::contract);

  // The board user marks the project 受注済 (5) with an estimate of 90,000.
  board_user_sets(l.project, 5, "90000");
  const int64_t board_before = stack->board_calls_for(t);
  const int64_t writes_before = board_writes(t);
  const int64_t hubspot_before_sync = stack->hubspot_calls_for(t);
  const int64_t since = now_ms();
  const auto changed = sync_now(t);
  EXPECT_FALSE(changed.full);
  EXPECT_EQ(changed.published, 1);
  settle(t);
  EXPECT_EQ(deal_property(t, l.deal, "dealstage"), stage::won);
  EXPECT_EQ(deal_property(t, l.deal, "amount"), "90000");
  wait_history(t, l.deal, since, "board_to_hubspot", "updated", "");
  // The dealstage webhook of our own update is delivered and consumed
  // (settle: no webhook pending, the mapper's lag 0). Its stage is the one
  // the deal's link records, so the mapper does not even read the deal
  // (F4.7): HubSpot saw the one batch update only, nothing reached the
  // writer for the HubSpot -> board direction, and board saw no call beyond
  // the poll's list pages.
  settle(t);
  EXPECT_EQ(stack->hubspot_calls_for(t) - hubspot_before_sync, 1)
      << "HubSpot calls besides the one batch update (an echo read?)";
  for (const auto& e : stack->history(t, 100)) {
    EXPECT_FALSE(e.at_ms >= since && e.deal_id == l.deal && e.direction == "hubspot_to_board")
        << "the echo reached the writer: " << e.action << " " << e.reason_code;
  }
  EXPECT_EQ(board_writes(t), writes_before) << "our own deal update came back to board";
  EXPECT_EQ(stack->board_calls_for(t) - board_before, changed.calls)
      << "board calls other than the poll's own";

  // Nothing changed on board: the next sync now publishes nothing, HubSpot
  // sees no call, board only the list pages.
  const int64_t hubspot_before = stack->hubspot_calls_for(t);
  const int64_t board_quiet = stack->board_calls_for(t);
  const auto quiet = sync_now(t);
  EXPECT_EQ(quiet.published, 0);
  settle(t);
  EXPECT_EQ(stack->hubspot_calls_for(t), hubspot_before);
  EXPECT_EQ(stack->board_calls_for(t) - board_quiet, quiet.calls);
  EXPECT_EQ(quiet.calls, 2);  // GET /v1/projects, GET /v1/invoices
  EXPECT_EQ(deal_property(t, l.deal, "dealstage"), stage::won);
}

// F4.7 from the HubSpot side: a HubSpot user moves a linked deal into the
// stage mapped to 請求済; board has no such order status, so board sees no
// call, and the next poll does not move the deal back (no flapping).
TEST_F(F4FlowTest, HubSpotMoveIntoTheInvoicedStageLeavesBoardAlone) {
  const Tenant t = stack->provision();
  const Linked l = linked_deal(t, stage::contract);
  settle(t);
  board_user_sets(l.project, 5, "120000");
  EXPECT_EQ(sync_now(t).published, 1);
  settle(t);
  ASSERT_EQ(deal_property(t, l.deal, "dealstage"), stage::won);

  const int64_t board_before = stack->board_calls_for(t);
  const int64_t hubspot_before = stack->hubspot_calls_for(t);
  const int64_t since = now_ms();
  hubspot_user_moves(t, l.deal, stage::invoiced);
  wait_history(t, l.deal, since, "hubspot_to_board", "skipped", "stage_is_invoice_state");
  settle(t);
  EXPECT_EQ(stack->board_calls_for(t), board_before) << "a move into 請求済 reached board";
  EXPECT_GT(stack->hubspot_calls_for(t), hubspot_before) << "the mapper did not read the deal";
  wait_for(
      "the link to know HubSpot's stage",
      [&] { return links_->deal_link(t.id, l.deal)->stage_id == stage::invoiced; }, 30s);

  const auto quiet = sync_now(t);
  EXPECT_EQ(quiet.published, 0);
  settle(t);
  EXPECT_EQ(stack->board_calls_for(t) - board_before, quiet.calls);
  EXPECT_EQ(deal_property(t, l.deal, "dealstage"), stage::invoiced);
}

}  // namespace
