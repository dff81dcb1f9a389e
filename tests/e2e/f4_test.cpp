// SPEC F4 board -> HubSpot through real processes (the e2e Stack): board
// project changes published on board.changes (as the poller does) -> mapper
// -> writer -> deal outbox -> HubSpot batch updates. Order status and invoice
// states to stages, amounts on and off, unmapped stages, echoes both ways,
// conflicts both ways, batching of many changes, duplicates, a deal HubSpot
// refuses (207) as a dead letter.
#include <gtest/gtest.h>

#include <regex>

#include "harness.hpp"
#include "hbsync/kafka/producer.hpp"
#include "hbsync/links/keys.hpp"
#include "hbsync/links/links.hpp"
#include "hbsync/v1/events.pb.h"
#include "keys.hpp"

namespace {

using namespace std::chrono_literals;
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

class F4Test : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    stack = new Stack({.mappers = 1,
                       .writers = 2,
                       .brokers = 1,
                       .partitions = 3,
                       .env_by_service = {{"writer",
                                           {{"HBSYNC_WRITER_DEAL_BATCH_LINGER", "3s"},
                                            // No idle polling: every batch here is sent
                                            // because the writer that queued a deal woke
                                            // its flusher, which then slept until the
                                            // batch was due (or its backoff ended).
                                            {"HBSYNC_WRITER_DEAL_BATCH_IDLE_POLL", "1h"},
                                            {"HBSYNC_HUBSPOT_RETRY_MAX_ATTEMPTS", "2"},
                                            {"HBSYNC_HUBSPOT_RETRY_INITIAL_DELAY", "50ms"},
                                            {"HBSYNC_KAFKA_RETRY_INITIAL_DELAY", "100ms"}}}}});
  }
  static void TearDownTestSuite() {
    delete stack;
    stack = nullptr;
  }
  void SetUp() override {
    hbsync::kafka::ProducerOptions options;
    options.client.brokers = stack->kafka().bootstrap();
    options.client.client_id = "f4-test";
    producer_ = std::make_unique<hbsync::kafka::Producer>(options);
    links_ = std::make_unique<hbsync::links::Links>(stack->redis());
  }
  void TearDown() override { stack->finish_test(); }

  // A deal at `at` with a company, synced to board by the F3 path: linked.
  Linked linked_deal(const Tenant& t, const std::string& at = stage::contract) {
    const std::string company = stack->create_company(t, {.name = "株式会社F4 " + at});
    const std::string deal =
        stack->create_deal(t, {.name = "F4 deal", .stage = at}, {{company, true}});
    Linked l{.deal = std::stoll(deal)};
    wait_for(
        "deal " + deal + " linked",
        [&] {
          auto link = links_->deal_link(t.id, l.deal);
          if (link) l.project = link->project_id;
          return link.has_value();
        },
        60s);
    return l;
  }

  void publish(const Tenant& t, int64_t project, int status, std::vector<int> invoices,
               const std::string& total, int64_t updated_at) {
    hbsync::v1::BoardProjectChange c;
    c.set_tenant_id(t.id);
    c.set_project_id(project);
    c.set_order_status(status);
    for (int i : invoices) c.add_invoice_statuses(i);
    c.set_total(total);
    c.set_updated_at_ms(updated_at);
    c.set_poll_run_id("f4-test");
    c.set_observed_at_ms(now_ms());
    hbsync::kafka::OutgoingMessage m;
    m.topic = "board.changes";
    m.key = t.id + ":project:" + std::to_string(project);
    m.value = c.SerializeAsString();
    m.headers.emplace_back("hbsync-schema", "hbsync.v1.BoardProjectChange");
    auto d = producer_->produce_sync(std::move(m));
    ASSERT_TRUE(d.ok) << d.error;
  }

  // Everything handled: board changes, commands, the outbox, and the
  // webhooks our deal updates caused.
  void settle(const Tenant& t) {
    wait_for(
        "board.changes consumed",
        [&] { return stack->group_lag("hbsync-mapper", "board.changes").value_or(1) == 0; }, 60s);
    ASSERT_TRUE(stack->wait_idle(60s));
    wait_for(
        "the deal outbox empty",
        [&] {
          return stack->redis()
                         .command({"HLEN", hbsync::writer::keys::deal_outbox(t.id)})
                         .integer == 0 &&
                 stack->redis().command({"ZCARD", hbsync::writer::keys::kDealOutboxDue}).integer ==
                     0;
        },
        60s);
    ASSERT_TRUE(stack->wait_idle(60s));
  }

  std::string deal_property(const Tenant& t, int64_t deal, const std::string& name) {
    auto r = stack->hubspot_api(
        t, "GET", "/crm/v3/objects/deals/" + std::to_string(deal) + "?properties=dealstage,amount");
    auto doc = r.json();
    if (!doc.IsObject() || !doc.HasMember("properties")) return "";
    const auto& p = doc["properties"];
    if (!p.HasMember(name.c_str()) || !p[name.c_str()].IsString()) return "";
    return p[name.c_str()].GetString();
  }

  int64_t batch_calls(const Tenant& t) {
    auto doc = stack->hubspot_calls();
    if (!doc.HasMember("accounts") || !doc["accounts"].HasMember(t.id.c_str())) return 0;
    const auto& a = doc["accounts"][t.id.c_str()];
    if (!a.HasMember("routes")) return 0;
    int64_t n = 0;
    for (const auto& route : a["routes"].GetObject()) {
      if (std::string(route.name.GetString()).find("batch/update") == std::string::npos) continue;
      for (const auto& status : route.value.GetObject()) n += status.value.GetInt64();
    }
    return n;
  }

  int64_t status_patches(const Tenant& t) {
    return stack->board_route_calls(t, "PATCH /v1/projects/order_status/{id}");
  }

  bool has_history(const Tenant& t, int64_t deal, const std::string& action,
                   const std::string& reason) {
    for (const auto& e : stack->history(t)) {
      if (e.deal_id == deal && e.action == action && e.reason_code == reason &&
          e.direction == "board_to_hubspot") {
        return true;
      }
    }
    return false;
  }

  int64_t metric_sum(const std::string& pattern) {
    int64_t total = 0;
    for (int r = 0; r < stack->replicas("writer"); ++r) {
      const std::string text = stack->metrics("writer", r);
      std::smatch m;
      if (std::regex_search(text, m, std::regex(pattern + " ([0-9.e+]+)"))) {
        total += static_cast<int64_t>(std::stod(m[1]));
      }
    }
    return total;
  }

  std::unique_ptr<hbsync::kafka::Producer> producer_;
  std::unique_ptr<hbsync::links::Links> links_;
};

// F4.3 + F4.4 + F4.7: the order status moves the deal's stage, the amount
// follows while amount sync is on; our own deal update coming back as a
// webhook makes no board call; no amount is kept in Redis (F9).
TEST_F(F4Test, OrderStatusAndAmountReachTheDealWithoutEcho) {
  const auto synced = [this](const std::string& direction, const std::string& first) {
    return metric_sum("hbsync_sync_latency_seconds_count\\{direction=\"" + direction +
                      "\",first_deal=\"" + first + "\"\\}");
  };
  const int64_t first_deals = synced("hubspot_to_board", "tenant");
  const Tenant t = stack->provision();
  const Linked l = linked_deal(t);
  settle(t);
  // A new tenant's first deal is measured apart.
  EXPECT_EQ(synced("hubspot_to_board", "tenant") - first_deals, 1);
  const int64_t board_syncs = synced("board_to_hubspot", "no");
  const int64_t patches = status_patches(t);
  publish(t, l.project, 5, {}, "90000.0", now_ms());
  settle(t);
  EXPECT_EQ(deal_property(t, l.deal, "dealstage"), stage::won);
  EXPECT_EQ(deal_property(t, l.deal, "amount"), "90000");
  EXPECT_EQ(status_patches(t), patches) << "our own deal update came back to board";
  EXPECT_EQ(synced("board_to_hubspot", "no") - board_syncs, 1) << "the deal written, timed once";
  // The poll of the same state again: nothing written.
  const int64_t calls = batch_calls(t);
  publish(t, l.project, 5, {}, "90000.0", now_ms());
  settle(t);
  EXPECT_EQ(batch_calls(t), calls);
  EXPECT_TRUE(has_history(t, l.deal, "unchanged", "unchanged"));
  EXPECT_EQ(synced("board_to_hubspot", "no") - board_syncs, 1) << "nothing written, nothing timed";
  // Amount sync off: the amount stays.
  stack->update_settings(t, [](hbsync::tenant::Settings& s) { s.amount_sync = false; });
  publish(t, l.project, 4, {}, "120000.0", now_ms());
  settle(t);
  EXPECT_EQ(deal_property(t, l.deal, "dealstage"), stage::contract);
  EXPECT_EQ(deal_property(t, l.deal, "amount"), "90000");
  EXPECT_EQ(status_patches(t), patches);
  // The amounts as numbers of their own: "90000" inside a millisecond
  // timestamp or an id is not an amount.
  const std::regex amount(R"((^|[^0-9])(90000|120000)([^0-9]|$))");
  for (const auto& key : stack->dump_redis()) {
    for (const auto& v : key.values) {
      EXPECT_FALSE(std::regex_search(v, amount)) << "an amount at rest in " << key.key;
    }
  }
}

// F4.5: invoice states only when the order status is 受注済 (5), with one and
// several invoices; our write into a 請求済 / 入金済 stage changes nothing in
// board.
TEST_F(F4Test, InvoiceStatesGiveInvoicedAndPaidStagesOnlyWhenOrdered) {
  const Tenant t = stack->provision();
  const Linked l = linked_deal(t);
  settle(t);
  const int64_t patches = status_patches(t);
  struct Step {
    int status;
    std::vector<int> invoices;
    const char* want;
  };
  const std::vector<Step> steps = {
      {4, {3}, stage::contract},     // ignored unless ordered
      {5, {2}, stage::invoiced},     // one billed
      {5, {3, 1}, stage::invoiced},  // one of two paid
      {5, {3, 3}, stage::paid},      // all paid
      {5, {1, 4}, stage::won},       // none billed
      {5, {3}, stage::paid},         // the one paid
  };
  for (const auto& s : steps) {
    publish(t, l.project, s.status, s.invoices, "", now_ms());
    settle(t);
    EXPECT_EQ(deal_property(t, l.deal, "dealstage"), s.want) << s.status;
  }
  EXPECT_EQ(status_patches(t), patches) << "a stage we wrote came back to board";
}

// F4.3: an order status with no stage in the deal's pipeline (見積中(除), 8)
// writes nothing, and the history says so.
TEST_F(F4Test, AnUnmappedStatusWritesNothingAndSaysSo) {
  const Tenant t =
      stack->provision({.customize = [](hbsync::tenant::Settings& s) { s.amount_sync = false; }});
  const Linked l = linked_deal(t);
  settle(t);
  const int64_t calls = batch_calls(t);
  publish(t, l.project, 8, {}, "5000.0", now_ms());
  settle(t);
  EXPECT_EQ(batch_calls(t), calls);
  EXPECT_EQ(deal_property(t, l.deal, "dealstage"), stage::contract);
  EXPECT_TRUE(has_history(t, l.deal, "skipped", "stage_not_mapped"));
}

// F4.7 both ways: a HubSpot move later than the board change keeps its
// stage; a board change later than the HubSpot move wins; a HubSpot move
// older than the board change applied does not reach board.
TEST_F(F4Test, TheLaterChangeWinsBothWays) {
  const Tenant t = stack->provision();
  const Linked l = linked_deal(t);
  settle(t);
  // HubSpot moves the deal into 請求済 (nothing on board), after board's change.
  const int64_t board_before = now_ms() - 60000;
  stack->move_stage(t, std::to_string(l.deal), stage::invoiced);
  settle(t);
  wait_for(
      "the link to know HubSpot's stage",
      [&] { return links_->deal_link(t.id, l.deal)->stage_id == stage::invoiced; }, 30s);
  publish(t, l.project, 5, {}, "", board_before);
  settle(t);
  EXPECT_EQ(deal_property(t, l.deal, "dealstage"), stage::invoiced);
  EXPECT_TRUE(has_history(t, l.deal, "unchanged", "conflict_hubspot_newer"));
  // Board changes later than HubSpot: board wins.
  const int64_t board_later = now_ms() + 60000;
  publish(t, l.project, 5, {}, "", board_later);
  settle(t);
  EXPECT_EQ(deal_property(t, l.deal, "dealstage"), stage::won);
  // A HubSpot move older than the board change applied (board's clock is a
  // minute ahead here) does not go to board.
  const int64_t patches = status_patches(t);
  stack->move_stage(t, std::to_string(l.deal), stage::lost);
  settle(t);
  EXPECT_EQ(status_patches(t), patches);
  bool recorded = false;
  for (const auto& e : stack->history(t)) {
    recorded = recorded || (e.deal_id == l.deal && e.reason_code == "conflict_board_newer");
  }
  EXPECT_TRUE(recorded);
}

// A batch call HubSpot keeps refusing (503 beyond hubspot::Api's own
// retries) leaves the updates in the outbox; they are sent once HubSpot
// answers again, never dropped nor dead-lettered.
TEST_F(F4Test, ARefusedBatchCallIsRetriedNotLost) {
  const Tenant t = stack->provision();
  const Linked l = linked_deal(t);
  settle(t);
  const int64_t retried = metric_sum("hbsync_writer_outbox_deals_total\\{result=\"retried\"\\}");
  stack->hubspot_fault(
      R"({"count":6,"route":"POST /crm/v3/objects/deals/batch/update","status":503})");
  publish(t, l.project, 5, {}, "7000.0", now_ms());
  wait_for(
      "the deal written after HubSpot's 503s",
      [&] { return deal_property(t, l.deal, "dealstage") == stage::won; }, 90s);
  stack->clear_faults();
  settle(t);
  EXPECT_EQ(deal_property(t, l.deal, "amount"), "7000");
  EXPECT_GE(metric_sum("hbsync_writer_outbox_deals_total\\{result=\"retried\"\\}") - retried, 1);
  EXPECT_FALSE(has_history(t, l.deal, "failed", "hubspot_server"));
}

// F4.6: 150 changed deals of one tenant go in batch calls (<= 1 call per 100
// deals plus one partial batch), duplicates of a change are written once,
// and a deal HubSpot does not have (207) becomes a dead letter.
TEST_F(F4Test, ManyChangesAreBatchedAndDuplicatesWrittenOnce) {
  const Tenant t = stack->provision();
  // 150 deals in HubSpot without companies (F3 skips them), linked here.
  std::vector<int64_t> deals;
  for (int call = 0; call < 2; ++call) {
    std::string body = R"({"inputs":[)";
    for (int i = 0; i < 75; ++i) {
      if (i) body += ",";
      body += R"({"properties":{"dealname":"bulk","pipeline":"default","dealstage":")" +
              std::string(stage::decision) + R"("}})";
    }
    body += "]}";
    auto r = stack->hubspot_api(t, "POST", "/crm/v3/objects/deals/batch/create", body);
    ASSERT_TRUE(r.ok()) << r.status << " " << r.body;
    auto doc = r.json();
    for (const auto& d : doc["results"].GetArray())
      deals.push_back(std::stoll(d["id"].GetString()));
  }
  ASSERT_EQ(deals.size(), 150u);
  const int64_t missing_deal = 987654321;  // HubSpot has no such deal
  deals.push_back(missing_deal);
  for (size_t i = 0; i < deals.size(); ++i) {
    links_->link_deal(t.id, deals[i],
                      {.project_id = 500000 + static_cast<int64_t>(i), .order_status = 1});
  }
  settle(t);
  const int64_t calls = batch_calls(t);
  const int64_t dead = metric_sum(
      "hbsync_dead_letters_total\\{reason_code=\"hubspot_not_found\",topic=\"sync.commands\"\\}");
  // HubSpot's webhooks of our first batch would make the mapper re-read 100
  // deals while later changes wait behind them: held back while the changes
  // go through, so the count shows the batching alone.
  stack->webhook_settings(R"({"paused":true})");
  const int64_t at = now_ms();
  for (size_t i = 0; i < deals.size(); ++i) {
    publish(t, 500000 + static_cast<int64_t>(i), 4, {}, std::to_string(1000 + i) + ".0", at);
  }
  for (size_t i = 0; i < 20; ++i) {  // duplicates of 20 changes
    publish(t, 500000 + static_cast<int64_t>(i), 4, {}, std::to_string(1000 + i) + ".0", at);
  }
  wait_for(
      "changes and commands consumed, the outbox empty",
      [&] {
        return stack->group_lag("hbsync-mapper", "board.changes").value_or(1) == 0 &&
               stack->group_lag("hbsync-writer", "sync.commands").value_or(1) == 0 &&
               stack->redis().command({"HLEN", hbsync::writer::keys::deal_outbox(t.id)}).integer ==
                   0;
      },
      60s);
  const int64_t used = batch_calls(t) - calls;
  stack->webhook_settings(R"({"paused":false})");
  settle(t);
  std::cout << "\n==== F4 batching: " << deals.size() << " deals in " << used
            << " HubSpot batch calls\n";
  EXPECT_GE(used, 2);
  EXPECT_LE(used, 2);  // 151 deals: one full batch and one partial
  for (size_t i = 0; i < 150; i += 37) {
    EXPECT_EQ(deal_property(t, deals[i], "dealstage"), stage::contract) << deals[i];
    EXPECT_EQ(deal_property(t, deals[i], "amount"), std::to_string(1000 + i)) << deals[i];
  }
  int updated = 0;
  for (const auto& e : stack->history(t, 5000)) {
    if (e.direction == "board_to_hubspot" && e.action == "updated") ++updated;
  }
  EXPECT_EQ(updated, 150);  // once each, duplicates included
  EXPECT_TRUE(has_history(t, missing_deal, "failed", "hubspot_not_found"));
  // The failure names its dead letter (what the console's retry replays):
  // hbsync-ctl finds that id on sync.dlq, with the deal's command in it.
  std::string letter;
  for (const auto& e : stack->history(t, 5000)) {
    if (e.deal_id == missing_deal && e.action == "failed") letter = e.dead_letter;
  }
  ASSERT_FALSE(letter.empty());
  const auto shown = stack->ctl({"dlq", "show", letter, "--json"});
  EXPECT_EQ(shown.exit_code, 0) << shown.output;
  EXPECT_NE(shown.output.find("hubspot_not_found"), std::string::npos) << shown.output;
  EXPECT_NE(shown.output.find(std::to_string(missing_deal)), std::string::npos) << shown.output;
  EXPECT_EQ(metric_sum("hbsync_dead_letters_total\\{reason_code=\"hubspot_not_found\",topic="
                       "\"sync.commands\"\\}") -
                dead,
            1);
}

}  // namespace
