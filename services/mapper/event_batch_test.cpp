// BatchHandler: a hubspot.events batch handled event by event, in order,
// each as a single-event message; failures stay with their event.
#include "event_batch.hpp"

#include <gtest/gtest.h>

#include <set>

#include "hbsync/service/dlq_keys.hpp"
#include "hbsync/service/hubspot_events.hpp"
#include "hbsync/v1/events.pb.h"

namespace hbsync::mapper {
namespace {

using kafka::HandlerResult;

v1::HubSpotEvent deal_event(int64_t deal, int64_t event_id) {
  v1::HubSpotEvent e;
  e.set_portal_id(62515);
  e.set_event_id(event_id);
  e.set_subscription_type("deal.propertyChange");
  e.set_object_id(deal);
  return e;
}

struct Seen {
  int64_t event_id;
  std::string key;
  std::string schema;
  int attempt;
  bool exhausted;
};

// A single-event handler that records what it is given and fails the
// events in `failing` (retry), dead-lettering them once exhausted (done),
// as the mapper's pipeline does.
class BatchHandlerTest : public ::testing::Test {
 protected:
  BatchHandler handler_{[this](const kafka::Message& m) { return single(m); },
                        [this](const kafka::Message&) {
                          ++unreadable_;
                          return HandlerResult::done;
                        }};
  std::vector<Seen> seen_;
  std::set<int64_t> failing_;
  std::vector<int64_t> dead_lettered_;  // event ids
  std::vector<std::string> dead_letter_payloads_;
  int unreadable_ = 0;
  std::string value_;
  std::vector<std::pair<std::string_view, std::string_view>> headers_ = {
      {service::dlq::kSchemaHeader, service::kHubSpotEventBatchSchema},
      {"hbsync-correlation-id", "corr-1"}};

  HandlerResult single(const kafka::Message& m) {
    v1::HubSpotEvent e;
    EXPECT_TRUE(e.ParseFromArray(m.value.data(), static_cast<int>(m.value.size())));
    seen_.push_back({e.event_id(), std::string(m.key),
                     std::string(m.header(service::dlq::kSchemaHeader).value_or("")), m.attempt,
                     m.retries_exhausted});
    EXPECT_EQ(m.correlation_id, "corr-1");
    EXPECT_EQ(m.header("hbsync-correlation-id").value_or(""), "corr-1");
    if (!failing_.count(e.event_id())) return HandlerResult::done;
    if (!m.retries_exhausted) return HandlerResult::retry;
    dead_lettered_.push_back(e.event_id());
    dead_letter_payloads_.emplace_back(m.value);
    return HandlerResult::done;
  }

  kafka::Message batch(const std::vector<v1::HubSpotEvent>& events, int attempt = 1,
                       bool exhausted = false) {
    v1::HubSpotEventBatch b;
    for (const auto& e : events) *b.add_events() = e;
    value_ = b.SerializeAsString();
    kafka::Message m;
    m.topic = "hubspot.events";
    m.key = "62515:deal:1";
    m.value = value_;
    m.partition = 2;
    m.offset = 17;
    m.headers = headers_;
    m.correlation_id = "corr-1";
    m.attempt = attempt;
    m.retries_exhausted = exhausted;
    return m;
  }

  std::vector<int64_t> seen_ids() const {
    std::vector<int64_t> ids;
    for (const auto& s : seen_) ids.push_back(s.event_id);
    return ids;
  }
};

TEST_F(BatchHandlerTest, EventsInOrderEachAsASingleEventWithItsOwnKey) {
  const std::vector<v1::HubSpotEvent> events = {deal_event(1, 11), deal_event(2, 12),
                                                deal_event(1, 13)};
  EXPECT_EQ(handler_.handle(batch(events)), HandlerResult::done);
  EXPECT_EQ(seen_ids(), (std::vector<int64_t>{11, 12, 13}));
  EXPECT_EQ(seen_[1].key, "62515:deal:2");
  for (const auto& s : seen_) EXPECT_EQ(s.schema, service::kHubSpotEventSchema);
  EXPECT_EQ(handler_.in_progress(), 0u);
}

TEST_F(BatchHandlerTest, AFailingEventIsRetriedAloneThenDeadLetteredAloneAndTheOthersGoOn) {
  failing_ = {12};
  const std::vector<v1::HubSpotEvent> events = {deal_event(1, 11), deal_event(2, 12),
                                                deal_event(3, 13)};
  // 11 done, 12 fails: progress, with a fresh budget for 12.
  EXPECT_EQ(handler_.handle(batch(events, 1)), HandlerResult::progressed);
  EXPECT_EQ(seen_ids(), (std::vector<int64_t>{11, 12}));
  EXPECT_EQ(handler_.in_progress(), 1u);
  // The redelivery starts at 12 (11 is not handled again), with the
  // batch's attempt: 12 fails again, nothing later runs before it.
  seen_.clear();
  EXPECT_EQ(handler_.handle(batch(events, 1)), HandlerResult::retry);
  EXPECT_EQ(seen_ids(), (std::vector<int64_t>{12}));
  // The last attempt: 12 dead-lettered alone as a single event, 13 handled.
  seen_.clear();
  EXPECT_EQ(handler_.handle(batch(events, 2, true)), HandlerResult::done);
  EXPECT_EQ(seen_ids(), (std::vector<int64_t>{12, 13}));
  EXPECT_EQ(seen_[0].attempt, 2);
  EXPECT_TRUE(seen_[0].exhausted);
  EXPECT_EQ(seen_[1].attempt, 1);
  EXPECT_FALSE(seen_[1].exhausted) << "a later event never inherits the used-up budget";
  EXPECT_EQ(dead_lettered_, std::vector<int64_t>{12});
  ASSERT_EQ(dead_letter_payloads_.size(), 1u);
  EXPECT_EQ(dead_letter_payloads_[0], events[1].SerializeAsString()) << "replayable as is";
  EXPECT_EQ(handler_.in_progress(), 0u);
}

TEST_F(BatchHandlerTest, ALaterEventFailingAfterADeadLetterGetsItsOwnBudget) {
  failing_ = {11, 12};
  const std::vector<v1::HubSpotEvent> events = {deal_event(1, 11), deal_event(2, 12)};
  // 11's last attempt: dead-lettered; 12 fails on its first: progressed
  // (not dead-lettered on the spot).
  EXPECT_EQ(handler_.handle(batch(events, 5, true)), HandlerResult::progressed);
  EXPECT_EQ(dead_lettered_, std::vector<int64_t>{11});
  seen_.clear();
  EXPECT_EQ(handler_.handle(batch(events, 1)), HandlerResult::retry);
  EXPECT_EQ(seen_ids(), std::vector<int64_t>{12});
  EXPECT_EQ(handler_.handle(batch(events, 2, true)), HandlerResult::done);
  EXPECT_EQ(dead_lettered_, (std::vector<int64_t>{11, 12}));
}

TEST_F(BatchHandlerTest, ARedeliveryWithoutMemoryStartsOverFromTheFirstEvent) {
  // After a crash (a new process: nothing remembered) the whole batch is
  // handled again, in order; the mapper's idempotency makes that harmless.
  const std::vector<v1::HubSpotEvent> events = {deal_event(1, 11), deal_event(2, 12)};
  EXPECT_EQ(handler_.handle(batch(events)), HandlerResult::done);
  EXPECT_EQ(handler_.handle(batch(events)), HandlerResult::done);
  EXPECT_EQ(seen_ids(), (std::vector<int64_t>{11, 12, 11, 12}));
}

TEST_F(BatchHandlerTest, ABatchThatDoesNotDecodeIsDeadLetteredWhole) {
  value_ = "\xff\xff\xff";
  kafka::Message m;
  m.topic = "hubspot.events";
  m.value = value_;
  m.headers = headers_;
  m.correlation_id = "corr-1";
  EXPECT_EQ(handler_.handle(m), HandlerResult::done);
  EXPECT_EQ(unreadable_, 1);
  EXPECT_TRUE(seen_.empty());
}

}  // namespace
}  // namespace hbsync::mapper
