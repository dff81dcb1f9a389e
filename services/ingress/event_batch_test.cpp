// Grouping a request's events by partition and encoding a group as one
// HubSpotEventBatch.
#include "event_batch.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <set>
#include <string>

namespace hbsync::ingress {
namespace {

// A partitioner by the key's last character, so the expected groups are
// obvious from the keys.
int32_t by_last_digit(std::string_view key) {
  return key.back() - '0';
}

TEST(GroupByPartition, GroupsInOrderOfFirstEventKeepingRequestOrder) {
  const std::vector<std::string_view> keys = {"1:deal:3", "1:deal:5", "1:deal:3", "1:company:1",
                                              "1:deal:5", "1:deal:3", "1:deal:1"};
  const auto groups = group_by_partition(keys, by_last_digit);
  ASSERT_EQ(groups.size(), 3u);
  EXPECT_EQ(groups[0].partition, 3);
  EXPECT_EQ(groups[0].events, (std::vector<size_t>{0, 2, 5}));
  EXPECT_EQ(groups[1].partition, 5);
  EXPECT_EQ(groups[1].events, (std::vector<size_t>{1, 4}));
  EXPECT_EQ(groups[2].partition, 1);
  EXPECT_EQ(groups[2].events, (std::vector<size_t>{3, 6}));
}

TEST(GroupByPartition, EveryEventOnceInItsKeysPartitionAndOneKeysEventsInOrder) {
  std::vector<std::string> owned;
  for (int i = 0; i < 100; ++i) owned.push_back("62515:deal:" + std::to_string(i * 7919 % 23));
  const std::vector<std::string_view> keys(owned.begin(), owned.end());
  auto partition_of = [](std::string_view key) {
    return static_cast<int32_t>(std::hash<std::string_view>{}(key) % 6);
  };
  const auto groups = group_by_partition(keys, partition_of);
  EXPECT_LE(groups.size(), 6u);
  std::set<size_t> seen;
  std::set<int32_t> partitions;
  for (const auto& g : groups) {
    EXPECT_TRUE(partitions.insert(g.partition).second) << "one group per partition";
    EXPECT_TRUE(std::is_sorted(g.events.begin(), g.events.end()));
    for (size_t i : g.events) {
      EXPECT_EQ(partition_of(keys[i]), g.partition);
      EXPECT_TRUE(seen.insert(i).second) << "event " << i << " twice";
    }
  }
  EXPECT_EQ(seen.size(), keys.size());
}

TEST(GroupByPartition, NoEventsNoGroups) {
  EXPECT_TRUE(group_by_partition({}, by_last_digit).empty());
}

TEST(EncodeBatch, IsTheHubSpotEventBatchOfTheChosenEventsInOrder) {
  google::protobuf::Arena arena;
  std::vector<ParsedEvent> events(4);
  for (int i = 0; i < 4; ++i) {
    events[i].event = google::protobuf::Arena::CreateMessage<v1::HubSpotEvent>(&arena);
    auto& e = *events[i].event;
    e.set_portal_id(62515);
    e.set_event_id(100 + i);
    e.set_subscription_type("deal.propertyChange");
    e.set_object_id(40 + i);
    e.set_property_name("dealstage");
    e.set_property_value(i == 2 ? std::string(300, 'x') : "closedwon");  // a multi-byte length
    e.add_merged_object_ids(i);
  }
  const std::string bytes = encode_batch(events, {3, 0, 2});
  v1::HubSpotEventBatch batch;
  ASSERT_TRUE(batch.ParseFromString(bytes));
  ASSERT_EQ(batch.events_size(), 3);
  EXPECT_EQ(batch.events(0).SerializeAsString(), events[3].event->SerializeAsString());
  EXPECT_EQ(batch.events(1).SerializeAsString(), events[0].event->SerializeAsString());
  EXPECT_EQ(batch.events(2).SerializeAsString(), events[2].event->SerializeAsString());
  // The same bytes protobuf writes for the message built the slow way.
  v1::HubSpotEventBatch built;
  for (size_t i : {3, 0, 2}) *built.add_events() = *events[i].event;
  EXPECT_EQ(bytes, built.SerializeAsString());
}

}  // namespace
}  // namespace hbsync::ingress
