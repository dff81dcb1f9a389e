// The consumers' message pipeline (pipeline.hpp) with fake apply steps, a
// real redis-server (tenant lookup, instance marker) and the dev broker
// (dead letters acknowledged by Kafka).
#include "hbsync/service/pipeline.hpp"

#include <gtest/gtest.h>

#include <atomic>

#include "hbsync/testing/dev_broker.hpp"
#include "hbsync/testing/redis_server.hpp"
#include "hbsync/v1/events.pb.h"

namespace {

namespace svc = hbsync::service;
using hbsync::kafka::HandlerResult;
using Work = svc::Work<hbsync::v1::SyncCommand, std::monostate>;
using Pipeline = svc::Pipeline<hbsync::v1::SyncCommand>;

constexpr const char* kTenant = "4242";

class PipelineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    broker_ = new hbsync::testing::DevBroker(1, 1);
    hbsync::kafka::ProducerOptions options;
    options.client.brokers = broker_->bootstrap();
    options.client.client_id = "pipeline-test";
    producer_ = new hbsync::kafka::Producer(options);
  }
  static void TearDownTestSuite() {
    delete producer_;
    delete broker_;
  }
  void SetUp() override {
    keyring_ = hbsync::tenant::Keyring::parse("k1:" + hbsync::tenant::Keyring::generate_key());
    store_ = std::make_unique<hbsync::tenant::Store>(redis_, keyring_);
  }
  void add_tenant() {
    hbsync::tenant::Settings s;
    s.tenant_id = kTenant;
    s.board.api_key = "bkey";
    s.board.api_token = "btok";
    s.board.default_user_id = 999;
    s.hubspot.access_token = "pat-na1-pipeline-test";
    s.hubspot.hub_id = std::stoll(kTenant);
    s.pipelines = {{.id = "default", .label = "Sales", .stages = {{"closedwon", "Won"}}}};
    s.stage_mapping.pipelines["default"] = {{hbsync::domain::StageRow::order_5, "closedwon"}};
    auto put = store_->put(s);
    ASSERT_TRUE(put.ok()) << put.errors.front().message;
  }
  // A SyncCommand of the tenant, as consumed.
  hbsync::kafka::Message message(const std::string& tenant, bool last_attempt = false) {
    hbsync::v1::SyncCommand c;
    c.set_tenant_id(tenant);
    c.set_command_id("cmd-1");
    payload_ = c.SerializeAsString();
    hbsync::kafka::Message m;
    m.topic = "sync.commands";
    m.value = payload_;
    m.retries_exhausted = last_attempt;
    return m;
  }
  // A pipeline whose apply answers `outcome` (counting its calls) and whose
  // settle keeps what it was handed.
  Pipeline make(svc::Outcome outcome, svc::PipelineOptions options = {}, bool with_store = true,
                bool wanted = true) {
    return Pipeline(std::move(options), with_store ? store_.get() : nullptr, *producer_,
                    {.tenant_of = [](const hbsync::v1::SyncCommand& c) { return c.tenant_id(); },
                     .wanted = [wanted](const Work&) { return wanted; },
                     .apply =
                         [this, outcome](Work& w) {
                           ++applied_;
                           seen_tenant_ = w.settings ? w.settings->tenant_id : "";
                           if (outcome.reason == svc::Reason::internal_error) {
                             throw std::runtime_error("boom");
                           }
                           return outcome;
                         },
                     .settle = [this](Work&, const svc::Settled& s) { settled_ = s; }});
  }

  static inline hbsync::testing::DevBroker* broker_ = nullptr;
  static inline hbsync::kafka::Producer* producer_ = nullptr;
  hbsync::testing::RedisServer server_;
  hbsync::redis::Client redis_{hbsync::redis::Options{.url = server_.url()}};
  hbsync::tenant::Keyring keyring_;
  std::unique_ptr<hbsync::tenant::Store> store_;
  std::string payload_;
  int applied_ = 0;
  std::string seen_tenant_;
  std::optional<svc::Settled> settled_;
};

TEST_F(PipelineTest, AnUnreadableMessageIsDeadLetteredWithoutApply) {
  auto p = make(svc::applied());
  std::string junk = "\xff\xff\xff";
  hbsync::kafka::Message m;
  m.topic = "sync.commands";
  m.value = junk;
  EXPECT_EQ(p.handle(m), HandlerResult::done);
  // A readable message without a tenant is unreadable too.
  EXPECT_EQ(p.handle(message("")), HandlerResult::done);
  EXPECT_EQ(applied_, 0);
  EXPECT_FALSE(settled_);
}

TEST_F(PipelineTest, AnUnwantedMessageIsDoneBeforeAnyTenantLookup) {
  // No store: any tenant lookup would be a retry (no_encryption_keys).
  auto p = make(svc::applied(), {}, /*with_store=*/false, /*wanted=*/false);
  EXPECT_EQ(p.handle(message(kTenant)), HandlerResult::done);
  EXPECT_EQ(applied_, 0);
}

TEST_F(PipelineTest, WithoutEncryptionKeysEveryMessageIsRetried) {
  auto p = make(svc::applied(), {}, /*with_store=*/false);
  EXPECT_EQ(p.handle(message(kTenant)), HandlerResult::retry);
  EXPECT_EQ(applied_, 0);
  EXPECT_EQ(settled_->outcome.reason, svc::Reason::no_encryption_keys);
}

TEST_F(PipelineTest, AnUnknownTenantWhileRedisLostItsDataIsRetried) {
  // No instance marker: the tenants may be lost, not removed.
  auto p = make(svc::applied());
  EXPECT_EQ(p.handle(message(kTenant)), HandlerResult::retry);
  EXPECT_EQ(settled_->outcome.reason, svc::Reason::redis_state_lost);
  // After the last attempt: dead-lettered, unless the service waits.
  EXPECT_EQ(p.handle(message(kTenant, true)), HandlerResult::done);
  EXPECT_TRUE(settled_->dead_lettered);
  auto waits = make(svc::applied(), {.lost_state_waits = true});
  EXPECT_EQ(waits.handle(message(kTenant, true)), HandlerResult::retry);
  EXPECT_FALSE(settled_->dead_lettered);
  EXPECT_EQ(applied_, 0);
}

TEST_F(PipelineTest, AnUnknownTenantIsDeadLettered) {
  add_tenant();  // writes the instance marker
  auto p = make(svc::applied());
  EXPECT_EQ(p.handle(message("999999")), HandlerResult::done);
  EXPECT_TRUE(settled_->dead_lettered);
  EXPECT_EQ(settled_->outcome.code(), "unknown_tenant");
  EXPECT_EQ(applied_, 0);
}

TEST_F(PipelineTest, ApplyGetsTheTenantAndItsOutcomeDecides) {
  add_tenant();
  auto done = make(svc::applied(svc::Reason::duplicate));
  EXPECT_EQ(done.handle(message(kTenant)), HandlerResult::done);
  EXPECT_EQ(seen_tenant_, kTenant);
  EXPECT_EQ(settled_->outcome.reason, svc::Reason::duplicate);

  auto retry = make(svc::retry(svc::Reason::company_busy, "busy"));
  EXPECT_EQ(retry.handle(message(kTenant)), HandlerResult::retry);
  EXPECT_FALSE(settled_->dead_lettered);
  // The last attempt of a retry is a dead letter; of a wait, not.
  EXPECT_EQ(retry.handle(message(kTenant, true)), HandlerResult::done);
  EXPECT_TRUE(settled_->dead_lettered);
  EXPECT_EQ(settled_->outcome.code(), "company_busy");
  auto wait = make(svc::wait(svc::Reason::claim_lost, "taken over"));
  EXPECT_EQ(wait.handle(message(kTenant, true)), HandlerResult::retry);
  EXPECT_FALSE(settled_->dead_lettered);

  auto permanent = make(svc::dead_letter(svc::Reason::no_board_user, "no user"));
  EXPECT_EQ(permanent.handle(message(kTenant)), HandlerResult::done);
  EXPECT_TRUE(settled_->dead_lettered);
  EXPECT_EQ(applied_, 5);
}

TEST_F(PipelineTest, AnExceptionIsARetryUnlessTheServiceWaits) {
  add_tenant();
  const auto boom = svc::retry(svc::Reason::internal_error, "");  // the fake throws
  auto p = make(boom);
  EXPECT_EQ(p.handle(message(kTenant)), HandlerResult::retry);
  EXPECT_EQ(settled_->outcome.reason, svc::Reason::internal_error);
  EXPECT_EQ(p.handle(message(kTenant, true)), HandlerResult::done);
  EXPECT_TRUE(settled_->dead_lettered);
  auto waits = make(boom, {.exceptions_wait = true});
  EXPECT_EQ(waits.handle(message(kTenant, true)), HandlerResult::retry);
  EXPECT_FALSE(settled_->dead_lettered);
}

}  // namespace

namespace {

// A message delivered again after it was dead-lettered (a crash or rebalance
// before its offset was committed, a batch started over) is not dead-lettered
// twice; each part of a message of several parts is its own.
TEST_F(PipelineTest, TheLedgerKeepsAMessageFromBeingDeadLetteredTwice) {
  add_tenant();
  auto p = make(svc::dead_letter(svc::Reason::no_board_user, "no user"),
                {.ledger = svc::DeadLetterLedger(redis_)});
  auto m = message(kTenant);
  m.partition = 2;
  m.offset = 17;
  m.timestamp_ms = 1795600000000;
  EXPECT_EQ(p.handle(m), HandlerResult::done);
  ASSERT_TRUE(settled_ && settled_->dead_lettered);
  EXPECT_FALSE(settled_->repeated);
  const std::string first = settled_->dead_letter_id;
  EXPECT_EQ(redis_.command({"GET", "hbsync:dlq:sent:sync.commands:2:17:1795600000000"}).str, first);

  settled_.reset();
  EXPECT_EQ(p.handle(m), HandlerResult::done);  // delivered again
  ASSERT_TRUE(settled_ && settled_->dead_lettered);
  EXPECT_TRUE(settled_->repeated);
  EXPECT_EQ(settled_->dead_letter_id, first);  // no new dead letter published
  EXPECT_EQ(applied_, 2);                      // applied again: only the dead letter is held back

  // Part 1 of the same message is another event: its own dead letter.
  m.part = 1;
  settled_.reset();
  EXPECT_EQ(p.handle(m), HandlerResult::done);
  ASSERT_TRUE(settled_ && settled_->dead_lettered);
  EXPECT_FALSE(settled_->repeated);
  EXPECT_NE(settled_->dead_letter_id, first);
  const std::string part_key = "hbsync:dlq:sent:sync.commands:2:17:1795600000000:1";
  EXPECT_EQ(redis_.command({"GET", part_key}).str, settled_->dead_letter_id);
  // Kept for the ledger's TTL, not for ever.
  const auto ttl = redis_.command({"TTL", part_key}).integer;
  EXPECT_GT(ttl, 6 * 24 * 3600);
  EXPECT_LE(ttl, 7 * 24 * 3600);

  // Another message at the same offset (the topic deleted and created again)
  // is not taken for this one.
  m.part = -1;
  m.timestamp_ms += 1;
  settled_.reset();
  EXPECT_EQ(p.handle(m), HandlerResult::done);
  ASSERT_TRUE(settled_ && settled_->dead_lettered);
  EXPECT_FALSE(settled_->repeated);
}

// An unreadable message delivered again is not dead-lettered again either.
TEST_F(PipelineTest, TheLedgerCoversUnreadableMessages) {
  auto p = make(svc::applied(), {.ledger = svc::DeadLetterLedger(redis_)});
  std::string junk = "\xff\xff\xff";
  hbsync::kafka::Message m;
  m.topic = "sync.commands";
  m.value = junk;
  m.offset = 9;
  m.timestamp_ms = 1795600000000;
  EXPECT_EQ(p.handle(m), HandlerResult::done);
  const auto first = redis_.command({"GET", svc::DeadLetterLedger::key(m)});
  ASSERT_TRUE(first.is_string()) << "not noted";
  EXPECT_EQ(p.handle(m), HandlerResult::done);
  // Published again, it would have been noted under its new dead letter's id.
  EXPECT_EQ(redis_.command({"GET", svc::DeadLetterLedger::key(m)}).str, first.str);
  EXPECT_EQ(applied_, 0);
}

// A settle that fails leaves the message to come again: not noted, so its
// next delivery settles it (dead letter published again rather than an entry lost).
TEST_F(PipelineTest, ADeadLetterWhoseSettleFailedIsNotNoted) {
  add_tenant();
  int settles = 0;
  svc::Pipeline<hbsync::v1::SyncCommand> p(
      {.ledger = svc::DeadLetterLedger(redis_)}, store_.get(), *producer_,
      {.tenant_of = [](const hbsync::v1::SyncCommand& c) { return c.tenant_id(); },
       .apply = [](Work&) { return svc::dead_letter(svc::Reason::no_board_user, "no user"); },
       .settle =
           [&settles](Work&, const svc::Settled&) {
             if (++settles == 1) throw std::runtime_error("history write failed");
           }});
  auto m = message(kTenant);
  m.offset = 5;
  EXPECT_EQ(p.handle(m), HandlerResult::retry);
  EXPECT_TRUE(redis_.command({"GET", svc::DeadLetterLedger::key(m)}).is_nil());
  EXPECT_EQ(p.handle(m), HandlerResult::done);
  EXPECT_FALSE(redis_.command({"GET", svc::DeadLetterLedger::key(m)}).is_nil());
}

}  // namespace
