// Grouping a request's events by portal and encoding a group as one
// HubSpotEventBatch.
#include "event_batch.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <limits>
#include <random>
#include <set>
#include <string>

#include "event_record_test_support.hpp"

namespace hbsync::ingress {
namespace {

// Events of the given portals.
struct Events {
  explicit Events(const std::vector<int64_t>& portals) {
    for (size_t i = 0; i < portals.size(); ++i) {
      ParsedEvent e;
      e.event.portal_id = portals[i];
      e.event.event_id = static_cast<int64_t>(i);
      list.push_back(e);
    }
  }
  std::vector<ParsedEvent> list;
};

TEST(GroupByPortal, GroupsInOrderOfFirstEventKeepingRequestOrder) {
  const Events events({7, 9, 7, 3, 9, 7, 3});
  const auto groups = group_by_portal(events.list, std::vector<size_t>{0, 1, 2, 3, 4, 5, 6});
  ASSERT_EQ(groups.size(), 3u);
  EXPECT_EQ(groups[0].portal_id, 7);
  EXPECT_EQ(groups[0].events, (std::vector<size_t>{0, 2, 5}));
  EXPECT_EQ(groups[1].portal_id, 9);
  EXPECT_EQ(groups[1].events, (std::vector<size_t>{1, 4}));
  EXPECT_EQ(groups[2].portal_id, 3);
  EXPECT_EQ(groups[2].events, (std::vector<size_t>{3, 6}));
}

TEST(GroupByPortal, OnlyTheGivenPositionsEachOnceUnderItsPortal) {
  std::vector<int64_t> portals;
  std::mt19937 rng(7);
  for (int i = 0; i < 100; ++i) portals.push_back(1000 + static_cast<int64_t>(rng() % 4));
  const Events events(portals);
  std::vector<size_t> kept;
  for (size_t i = 0; i < portals.size(); ++i) {
    if (i % 3 != 1) kept.push_back(i);  // strangers' events are not published
  }
  const auto groups = group_by_portal(events.list, kept);
  EXPECT_EQ(groups.size(), 4u);
  std::set<size_t> seen;
  std::set<int64_t> seen_portals;
  for (const auto& g : groups) {
    EXPECT_TRUE(seen_portals.insert(g.portal_id).second) << "one group per portal";
    EXPECT_TRUE(std::is_sorted(g.events.begin(), g.events.end()));
    for (size_t i : g.events) {
      EXPECT_EQ(portals[i], g.portal_id);
      EXPECT_NE(i % 3, 1u) << "position " << i << " was not given";
      EXPECT_TRUE(seen.insert(i).second) << "event " << i << " twice";
    }
  }
  EXPECT_EQ(seen.size(), kept.size());
}

TEST(GroupByPortal, NoEventsNoGroups) {
  const Events events({1, 2});
  EXPECT_TRUE(group_by_portal(events.list, std::vector<size_t>{}).empty());
}

TEST(EncodeBatch, IsTheHubSpotEventBatchOfTheChosenEventsInOrder) {
  std::vector<v1::HubSpotEvent> messages(4);
  std::vector<ParsedEvent> events(4);
  for (int i = 0; i < 4; ++i) {
    auto& e = messages[i];
    e.set_portal_id(62515);
    e.set_event_id(100 + i);
    e.set_subscription_type("deal.propertyChange");
    e.set_object_id(40 + i);
    e.set_property_name("dealstage");
    e.set_property_value(i == 2 ? std::string(300, 'x') : "closedwon");  // a multi-byte length
    e.add_merged_object_ids(i);
    events[i].event = testing::record_of(e);
  }
  const std::vector<size_t> positions = {3, 0, 2};
  const std::string bytes = encode_batch(events, positions);
  v1::HubSpotEventBatch batch;
  ASSERT_TRUE(batch.ParseFromString(bytes));
  ASSERT_EQ(batch.events_size(), 3);
  EXPECT_EQ(batch.events(0).SerializeAsString(), messages[3].SerializeAsString());
  EXPECT_EQ(batch.events(1).SerializeAsString(), messages[0].SerializeAsString());
  EXPECT_EQ(batch.events(2).SerializeAsString(), messages[2].SerializeAsString());
  // The same bytes protobuf writes for the message built the slow way.
  v1::HubSpotEventBatch built;
  for (size_t i : positions) *built.add_events() = messages[i];
  EXPECT_EQ(bytes, built.SerializeAsString());
}

// encode_batch writes each event in place into the batch from its record:
// byte for byte what protobuf writes for the same batch message, over random events (zeros,
// negatives, extreme values, empty, long and non-ASCII strings, merged ids or none).
TEST(EncodeBatch, IsProtobufsOwnSerializationForRandomEvents) {
  std::mt19937_64 rng(13);
  auto integer = [&]() -> int64_t {
    switch (rng() % 6) {
      case 0:
        return 0;
      case 1:
        return static_cast<int64_t>(rng() % 128);
      case 2:
        return -static_cast<int64_t>(rng() % 1000) - 1;
      case 3:
        return std::numeric_limits<int64_t>::min();
      case 4:
        return std::numeric_limits<int64_t>::max();
      default:
        return static_cast<int64_t>(rng());
    }
  };
  auto text = [&]() -> std::string {
    const size_t lengths[] = {0, 0, 1, 9, 19, 127, 128, 300, 20000};
    std::string s(lengths[rng() % std::size(lengths)], 'a');
    for (char& c : s) c = static_cast<char>('a' + rng() % 26);
    if (!s.empty() && rng() % 4 == 0) s += "\xc3\xa9\xe2\x82\xac";
    return s;
  };
  for (int round = 0; round < 300; ++round) {
    std::vector<v1::HubSpotEvent> messages(1 + rng() % 8);
    std::vector<ParsedEvent> events(messages.size());
    for (size_t m = 0; m < messages.size(); ++m) {
      auto& e = messages[m];
      e.set_portal_id(integer());
      e.set_event_id(integer());
      e.set_subscription_id(integer());
      e.set_app_id(integer());
      e.set_subscription_type(text());
      e.set_object_id(integer());
      e.set_occurred_at_ms(integer());
      e.set_attempt_number(static_cast<int32_t>(integer()));
      e.set_change_source(text());
      e.set_property_name(text());
      e.set_property_value(text());
      e.set_association_type(text());
      e.set_from_object_id(integer());
      e.set_to_object_id(integer());
      e.set_association_removed(rng() % 2 == 0);
      e.set_is_primary_association(rng() % 2 == 0);
      e.set_primary_object_id(integer());
      for (int k = static_cast<int>(rng() % 4); k > 0; --k) e.add_merged_object_ids(integer());
      e.set_new_object_id(integer());
      e.set_received_at_ms(integer());
      events[m].event = testing::record_of(e);
    }
    std::vector<size_t> positions;
    for (size_t i = 0; i < events.size(); ++i) {
      if (rng() % 3 != 0) positions.push_back(i);
    }
    std::shuffle(positions.begin(), positions.end(), rng);
    v1::HubSpotEventBatch built;
    for (size_t i : positions) *built.add_events() = messages[i];
    ASSERT_EQ(encode_batch(events, positions), built.SerializeAsString()) << "round " << round;
  }
}

}  // namespace
}  // namespace hbsync::ingress
