// hbsync-writer as a real process (in the e2e Stack: redis-server, the dev
// broker, both simulators), fed SyncCommands directly, for what the full
// pipeline cannot provoke at will: the same command many times, a crash
// between creating a project and linking it, stale commands, permanent
// failures and their replay, deactivation and merges.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include "harness.hpp"
#include "hbsync/kafka/producer.hpp"
#include "hbsync/tenant/crypto.hpp"
#include "hbsync/v1/events.pb.h"
#include "keys.hpp"

namespace {

using namespace std::chrono_literals;
using hbsync::e2e::Stack;
using hbsync::e2e::Tenant;

Stack* stack = nullptr;

class WriterTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    stack = new Stack({.mappers = 1,
                       .writers = 1,
                       .brokers = 1,
                       .partitions = 3,
                       .env_by_service = {{"writer",
                                           {{"HBSYNC_KAFKA_RETRY_MAX_ATTEMPTS", "3"},
                                            {"HBSYNC_KAFKA_RETRY_INITIAL_DELAY", "100ms"},
                                            {"HBSYNC_WRITER_CLAIM_TTL", "5s"}}}}});
  }
  static void TearDownTestSuite() {
    delete stack;
    stack = nullptr;
  }
  void SetUp() override {
    keyring_ = hbsync::tenant::Keyring::parse(stack->encryption_keys());
    hbsync::kafka::ProducerOptions options;
    options.client.brokers = stack->kafka().bootstrap();
    options.client.client_id = "writer-test";
    producer_ = std::make_unique<hbsync::kafka::Producer>(options);
  }
  void TearDown() override { stack->finish_test(); }

  hbsync::v1::SyncCommand sync_deal(const Tenant& t, int64_t deal, int64_t company, int status,
                                    int64_t revision, const std::string& name = "Deal name") {
    hbsync::v1::SyncCommand c;
    c.set_tenant_id(t.id);
    c.set_command_id("v1:" + t.id + ":sync_deal:" + std::to_string(deal) + ":order_" +
                     std::to_string(status) + ":" + std::to_string(revision));
    auto* d = c.mutable_sync_deal();
    d->set_deal_id(deal);
    d->set_company_id(company);
    d->set_order_status(status);
    d->set_board_user_id(t.board_user_ids.empty() ? 0 : t.board_user_ids.back());
    d->set_invoice_date("2026-12-31");
    d->set_management_no("HS-" + std::to_string(deal));
    d->set_pipeline_id("default");
    d->set_stage_id("x");
    d->set_deal_updated_at_ms(revision);
    d->set_sealed_deal_name(hbsync::tenant::seal_deal_name(keyring_, t.id, deal, name));
    return c;
  }

  void send(const hbsync::v1::SyncCommand& c, int64_t key_id, bool replay = false) {
    hbsync::kafka::OutgoingMessage m;
    m.topic = "sync.commands";
    m.key = c.tenant_id() + ":deal:" + std::to_string(key_id);
    m.value = c.SerializeAsString();
    m.headers.emplace_back("hbsync-schema", "hbsync.v1.SyncCommand");
    if (replay) m.headers.emplace_back(std::string(hbsync::kafka::kReplayHeader), "0:0");
    auto d = producer_->produce_sync(std::move(m));
    ASSERT_TRUE(d.ok) << d.error;
  }

  std::vector<hbsync::e2e::BoardProject> projects_of(const Tenant& t, int64_t deal) {
    std::vector<hbsync::e2e::BoardProject> out;
    for (auto& p : stack->board_projects(t)) {
      if (p.management_no == "HS-" + std::to_string(deal)) out.push_back(p);
    }
    return out;
  }

  int count_history(const Tenant& t, const std::string& action, int64_t deal) {
    int n = 0;
    for (const auto& e : stack->history(t)) {
      if (e.action == action && e.deal_id == deal) ++n;
    }
    return n;
  }

  // hbsync_writer_commands_total{action="sync_deal",result="<result>"}
  int64_t writer_metric(const std::string& result) {
    const std::string text = stack->metrics("writer");
    std::smatch m;
    std::regex re("hbsync_writer_commands_total\\{action=\"sync_deal\",result=\"" + result +
                  "\"\\} ([0-9.e+]+)");
    if (std::regex_search(text, m, re)) return static_cast<int64_t>(std::stod(m[1]));
    return 0;
  }

  // hbsync_dead_letters_total{reason_code="<code>",topic="sync.commands"}
  int64_t dead_letters_metric(const std::string& code) {
    const std::string text = stack->metrics("writer");
    std::smatch m;
    std::regex re("hbsync_dead_letters_total\\{reason_code=\"" + code +
                  "\",topic=\"sync.commands\"\\} ([0-9.e+]+)");
    if (std::regex_search(text, m, re)) return static_cast<int64_t>(std::stod(m[1]));
    return 0;
  }

  hbsync::tenant::Keyring keyring_;
  std::unique_ptr<hbsync::kafka::Producer> producer_;
};

TEST_F(WriterTest, TheSameCommandDeliveredManyTimesIsAppliedOnce) {
  auto t = stack->provision();
  const int64_t company = std::stoll(stack->create_company(t, {.name = "株式会社重複テスト"}));
  const int64_t duplicates_before = writer_metric("duplicate");
  const int64_t applied_before = writer_metric("applied");
  auto c = sync_deal(t, 9001, company, 1, 1000);
  for (int i = 0; i < 4; ++i) send(c, 9001);
  ASSERT_TRUE(stack->wait_for_history(
      t, "project created",
      [](const auto& e) { return e.action == "created" && e.deal_id == 9001; }, 30s));
  ASSERT_TRUE(stack->wait_idle(60s));
  EXPECT_EQ(projects_of(t, 9001).size(), 1u);
  EXPECT_EQ(stack->board_clients(t).size(), 1u);
  EXPECT_EQ(count_history(t, "created", 9001), 1);
  // Applied once; each later delivery dropped as a duplicate. Kafka may
  // deliver more than the four sends (a rebalance before the offsets were
  // committed redelivers them), and those are duplicates too.
  EXPECT_EQ(writer_metric("applied") - applied_before, 1);
  EXPECT_GE(writer_metric("duplicate") - duplicates_before, 3);
  // The project carries what the command said, the name opened from its seal.
  auto p = projects_of(t, 9001);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].name, "Deal name");
  EXPECT_EQ(p[0].order_status, 1);
  EXPECT_EQ(p[0].client_id, stack->board_clients(t)[0].id);
}

TEST_F(WriterTest, ACrashBetweenCreatingAndLinkingAProjectIsRecoveredByManagementNo) {
  auto t = stack->provision();
  const int64_t company = std::stoll(stack->create_company(t, {.name = "合同会社クラッシュ"}));
  // What a writer that died after POST /v1/projects leaves behind: the
  // project in board, no link, and its claim in Redis.
  auto client = stack->seed_board_client(t, "合同会社クラッシュ");
  stack->board().control(
      "POST", "/_sim/accounts/" + t.board_api_key + "/projects",
      R"({"name":"Deal name","client_id":)" + std::to_string(client.id) + R"(,"user_id":)" +
          std::to_string(t.board_user_ids.back()) +
          R"(,"order_status":1,"invoice_timing_kbn":1,"invoice_date":"2026-12-31","management_no":"HS-9002"})");
  auto c = sync_deal(t, 9002, company, 4, 2000);
  stack->redis().command({"HSET", hbsync::writer::keys::claim(c.command_id()), "state",
                          "processing", "owner", "a-writer-that-died", "until", "0", "claims",
                          "1"});
  send(c, 9002);
  ASSERT_TRUE(stack->wait_for_history(
      t, "project linked", [](const auto& e) { return e.action == "linked" && e.deal_id == 9002; },
      30s));
  ASSERT_TRUE(stack->wait_idle(60s));
  auto projects = projects_of(t, 9002);
  ASSERT_EQ(projects.size(), 1u) << "a second project was created";
  EXPECT_EQ(projects[0].order_status, 4);         // then brought to the command's status
  EXPECT_EQ(stack->board_clients(t).size(), 1u);  // the existing client was linked
  EXPECT_EQ(count_history(t, "created", 9002), 0);
}

// A deal whose link was lost (Redis restarted from an older snapshot) has its
// project found by management_no, never a second one; and what each case costs
// in board calls (board's own count for the tenant's key).
TEST_F(WriterTest, AProjectWhoseLinkWasLostIsFoundByManagementNoNotCreatedAgain) {
  auto t = stack->provision();
  const int64_t company = std::stoll(stack->create_company(t, {.name = "株式会社リンク消失"}));
  auto calls = [&] { return stack->board_calls_for(t); };

  // A new company's first deal: client search, client create, project create.
  send(sync_deal(t, 9101, company, 1, 1000), 9101);
  ASSERT_TRUE(stack->wait_for_history(
      t, "created", [](const auto& e) { return e.action == "created" && e.deal_id == 9101; }, 30s));
  ASSERT_TRUE(stack->wait_idle(60s));
  EXPECT_EQ(calls(), 3) << "first deal of a new company";
  EXPECT_EQ(stack->board_route_calls(t, "GET /v1/projects"), 0);

  // A new deal of the linked company: the lookup by management_no, then create.
  send(sync_deal(t, 9102, company, 2, 1000), 9102);
  ASSERT_TRUE(stack->wait_for_history(
      t, "created", [](const auto& e) { return e.action == "created" && e.deal_id == 9102; }, 30s));
  ASSERT_TRUE(stack->wait_idle(60s));
  EXPECT_EQ(calls(), 3 + 2) << "new deal of a known client";

  // Deal 9103's project exists in board, but its link is gone (no claim was
  // ever taken for this command: claims = 1).
  const int64_t client = stack->board_clients(t).at(0).id;
  stack->board().control(
      "POST", "/_sim/accounts/" + t.board_api_key + "/projects",
      R"({"name":"Deal name","client_id":)" + std::to_string(client) + R"(,"user_id":)" +
          std::to_string(t.board_user_ids.back()) +
          R"(,"order_status":1,"invoice_timing_kbn":1,"invoice_date":"2026-12-31","management_no":"HS-9103"})");
  send(sync_deal(t, 9103, company, 4, 3000), 9103);
  ASSERT_TRUE(stack->wait_for_history(
      t, "project linked", [](const auto& e) { return e.action == "linked" && e.deal_id == 9103; },
      30s));
  ASSERT_TRUE(stack->wait_idle(60s));
  auto projects = projects_of(t, 9103);
  ASSERT_EQ(projects.size(), 1u) << "a second project was created";
  EXPECT_EQ(projects[0].order_status, 4);  // the order status rule, as for a linked deal
  EXPECT_EQ(count_history(t, "created", 9103), 0);
  EXPECT_EQ(calls(), 3 + 2 + 2) << "lookup + order status";
  EXPECT_EQ(stack->board_route_calls(t, "GET /v1/projects"), 2);
  EXPECT_EQ(stack->board_clients(t).size(), 1u);

  // Linked now: the next change costs the order status call alone.
  send(sync_deal(t, 9103, company, 5, 4000), 9103);
  ASSERT_TRUE(stack->wait_for_history(
      t, "updated",
      [](const auto& e) {
        return e.action == "updated" && e.deal_id == 9103 &&
               e.message.find("-> 5") != std::string::npos;
      },
      30s));
  ASSERT_TRUE(stack->wait_idle(60s));
  EXPECT_EQ(calls(), 3 + 2 + 2 + 1);
  EXPECT_EQ(projects_of(t, 9103).size(), 1u);
}

// `hbsync-ctl tenant apply` stores the tenant's board users, so a new
// company's first deal through the whole pipeline (webhook, mapper, writer)
// costs 3 board calls: client search, client create, project create.
TEST_F(WriterTest, AfterTenantApplyANewCompanysFirstDealCostsThreeBoardCalls) {
  auto t = stack->provision();
  auto got = stack->ctl({"tenant", "get", t.id});
  ASSERT_EQ(got.exit_code, 0) << got.output;
  const std::string file = stack->dir() + "/tenant-" + t.id + ".json";
  std::ofstream(file) << got.output;
  auto applied = stack->ctl({"tenant", "apply", "-f", file});
  ASSERT_EQ(applied.exit_code, 0) << applied.output;
  EXPECT_NE(applied.output.find("board users stored (2)"), std::string::npos) << applied.output;
  EXPECT_EQ(stack->board_route_calls(t, "GET /v1/users"), 1);
  const int64_t before = stack->board_calls_for(t);

  const auto company = stack->create_company(t, {.name = "株式会社初回同期"});
  const auto deal = stack->create_deal(
      t, {.name = "初回案件", .stage = hbsync::e2e::stage::won, .owner_id = 7001},
      {{.company_id = company, .primary = true}});
  const int64_t deal_id = std::stoll(deal);
  ASSERT_TRUE(stack->wait_for_history(
      t, "created", [&](const auto& e) { return e.action == "created" && e.deal_id == deal_id; },
      30s));
  ASSERT_TRUE(stack->wait_idle(60s));
  EXPECT_EQ(stack->board_calls_for(t) - before, 3);
  EXPECT_EQ(stack->board_route_calls(t, "GET /v1/users"), 1) << "the users were read again";
  auto p = projects_of(t, deal_id);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].user_id, t.board_user_ids.at(1));  // OWNER.A@e2e.example, the deal's owner
}

TEST_F(WriterTest, OrderStatusIsPatchedOnlyWhenDifferentAndStaleCommandsChangeNothing) {
  auto t = stack->provision();
  const int64_t company = std::stoll(stack->create_company(t, {.name = "Status Co"}));
  const std::string patch = "PATCH /v1/projects/order_status/{id}";
  send(sync_deal(t, 9003, company, 1, 1000), 9003);
  ASSERT_TRUE(stack->wait_for_history(
      t, "created", [](const auto& e) { return e.action == "created" && e.deal_id == 9003; }, 30s));
  send(sync_deal(t, 9003, company, 1, 2000), 9003);  // another change, same status
  send(sync_deal(t, 9003, company, 5, 3000), 9003);
  send(sync_deal(t, 9003, company, 4, 2500), 9003);  // older than the one applied
  ASSERT_TRUE(stack->wait_for_history(
      t, "stale", [](const auto& e) { return e.reason_code == "stale_command"; }, 30s));
  ASSERT_TRUE(stack->wait_idle(60s));
  EXPECT_EQ(stack->board_route_calls(t, patch), 1);
  auto p = projects_of(t, 9003);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].order_status, 5);
  EXPECT_EQ(count_history(t, "updated", 9003), 1);
}

TEST_F(WriterTest, APermanentFailureIsDeadLetteredAndAppliesOnceTheCauseIsFixed) {
  auto t = stack->provision();
  // The default board user was deleted in board: creating with it is refused.
  stack->update_settings(t, [](hbsync::tenant::Settings& s) { s.board.default_user_id = 987654; });
  const int64_t company = std::stoll(stack->create_company(t, {.name = "No User Co"}));
  auto c = sync_deal(t, 9004, company, 2, 1000);
  c.mutable_sync_deal()->set_board_user_id(0);  // the owner matched no board user
  const auto dlq_before = stack->topic_size("sync.dlq").value_or(-1);
  send(c, 9004);
  auto failed = stack->wait_for_history(
      t, "failed", [](const auto& e) { return e.action == "failed" && e.deal_id == 9004; }, 30s);
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->reason_code, "board_validation");
  ASSERT_TRUE(stack->wait_idle(60s));
  EXPECT_EQ(stack->topic_size("sync.dlq").value_or(-1), dlq_before + 1);
  EXPECT_TRUE(projects_of(t, 9004).empty());
  // The dead letter is counted for the HbsyncDeadLetters alert.
  EXPECT_EQ(dead_letters_metric("board_validation"), 1);

  // A repeat of the command (not a replay) does not try again: same failure.
  send(c, 9004);
  ASSERT_TRUE(stack->wait_idle(60s));
  EXPECT_EQ(stack->topic_size("sync.dlq").value_or(-1), dlq_before + 1);
  EXPECT_EQ(count_history(t, "failed", 9004), 1);

  // The admin sets a default user; the dead letter's payload is replayed.
  stack->update_settings(
      t, [&](hbsync::tenant::Settings& s) { s.board.default_user_id = t.board_user_ids.front(); });
  send(c, 9004, /*replay=*/true);
  ASSERT_TRUE(stack->wait_for_history(
      t, "created", [](const auto& e) { return e.action == "created" && e.deal_id == 9004; }, 30s));
  ASSERT_TRUE(stack->wait_idle(60s));
  auto p = projects_of(t, 9004);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].user_id, t.board_user_ids.front());
}

TEST_F(WriterTest, DeletionDeactivatesAndMergesRepointTheLink) {
  auto t = stack->provision();
  const int64_t company = std::stoll(stack->create_company(t, {.name = "Merge Co"}));
  send(sync_deal(t, 9005, company, 1, 1000), 9005);
  ASSERT_TRUE(stack->wait_for_history(
      t, "created", [](const auto& e) { return e.action == "created" && e.deal_id == 9005; }, 30s));
  // Deal 9005 merged into 9006: the project now belongs to 9006.
  hbsync::v1::SyncCommand merge;
  merge.set_tenant_id(t.id);
  merge.set_command_id("v1:" + t.id + ":repoint_links:9006::1");
  merge.mutable_repoint_links()->set_object_type("deal");
  merge.mutable_repoint_links()->add_merged_ids(9005);
  merge.mutable_repoint_links()->set_surviving_id(9006);
  send(merge, 9006);
  ASSERT_TRUE(stack->wait_for_history(
      t, "repointed", [](const auto& e) { return e.action == "repointed" && e.deal_id == 9006; },
      30s));
  // A status change of the survivor updates that project, creates nothing.
  auto c = sync_deal(t, 9006, company, 5, 2000);
  send(c, 9006);
  ASSERT_TRUE(stack->wait_for_history(
      t, "updated", [](const auto& e) { return e.action == "updated" && e.deal_id == 9006; }, 30s));
  EXPECT_EQ(projects_of(t, 9005).size(), 1u);
  EXPECT_TRUE(projects_of(t, 9006).empty());
  EXPECT_EQ(projects_of(t, 9005)[0].order_status, 5);

  hbsync::v1::SyncCommand del;
  del.set_tenant_id(t.id);
  del.set_command_id("v1:" + t.id + ":deactivate_deal:9006::3000");
  del.mutable_deactivate_deal()->set_deal_id(9006);
  send(del, 9006);
  auto e = stack->wait_for_history(
      t, "deactivated",
      [](const auto& e) { return e.action == "deactivated" && e.deal_id == 9006; }, 30s);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->project_id, projects_of(t, 9005)[0].id);
  ASSERT_TRUE(stack->wait_idle(60s));
  EXPECT_EQ(projects_of(t, 9005).size(), 1u);  // the project is left alone
}

}  // namespace
