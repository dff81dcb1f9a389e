#include "event_parser.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <random>

namespace hbsync::ingress {
namespace {

// The event as the mapper reads it: its wire format parsed back.
v1::HubSpotEvent message_of(const ParsedEvent& parsed) {
  v1::HubSpotEvent m;
  EXPECT_TRUE(m.ParseFromString(encode(parsed.event)));
  return m;
}

TEST(EventParserTest, ParsesHubSpotPayloadAndIgnoresUnknownFields) {
  std::string body = R"([
    {"eventId":100,"subscriptionId":7,"portalId":62515,"appId":54321,"occurredAt":1700000000000,
     "subscriptionType":"deal.propertyChange","attemptNumber":2,"objectId":1246965,
     "propertyName":"dealstage","propertyValue":"closedwon","changeSource":"CRM_UI",
     "changeFlag":"NEW","sourceId":"userId:1","objectTypeId":"0-3"},
    {"eventId":101,"portalId":62515,"occurredAt":1700000000001,"eventType":"deal.creation",
     "objectId":"1246966"}
  ])";
  auto r = parse_events(body, 42);
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(r.events.size(), 2u);
  const auto a = message_of(r.events[0]);
  EXPECT_EQ(a.portal_id(), 62515);
  EXPECT_EQ(a.subscription_type(), "deal.propertyChange");
  EXPECT_EQ(a.object_id(), 1246965);
  EXPECT_EQ(a.attempt_number(), 2);
  EXPECT_EQ(a.property_name(), "dealstage");
  EXPECT_EQ(a.property_value(), "closedwon");
  EXPECT_EQ(a.received_at_ms(), 42);
  // eventType spelling and string ids are accepted.
  EXPECT_EQ(message_of(r.events[1]).subscription_type(), "deal.creation");
  EXPECT_EQ(message_of(r.events[1]).object_id(), 1246966);
}

// Every field is found by its exact name; the first member of a name counts
// and null counts as absent.
TEST(EventParserTest, ReadsEveryFieldByExactNameFirstMemberWins) {
  std::string body = R"([{"portalId":9,"portalID":8,"portalIx":7,"eventId":1,"eventId":2,
    "subscriptionId":3,"appId":4,"attemptNumber":5,"changeSource":"API","eventType":"x.y",
    "subscriptionType":null,"occurredAt":6,"objectId":null,"fromObjectId":10,"toObjectId":11,
    "propertyName":"pipeline","propertyValue":"p1","associationType":"DEAL_TO_COMPANY",
    "associationRemoved":true,"isPrimaryAssociation":true,"primaryObjectId":12,
    "newObjectId":13,"mergedObjectIds":[14],"mergedObjectIds":[15]}])";
  auto r = parse_events(body, 0);
  ASSERT_TRUE(r.ok) << r.error;
  const auto e = message_of(r.events[0]);
  EXPECT_EQ(e.portal_id(), 9);
  EXPECT_EQ(e.event_id(), 1);
  EXPECT_EQ(e.subscription_id(), 3);
  EXPECT_EQ(e.app_id(), 4);
  EXPECT_EQ(e.attempt_number(), 5);
  EXPECT_EQ(e.change_source(), "API");
  EXPECT_EQ(e.subscription_type(), "x.y");  // subscriptionType null: eventType
  EXPECT_EQ(e.occurred_at_ms(), 6);
  EXPECT_EQ(e.object_id(), 0);
  EXPECT_EQ(e.from_object_id(), 10);
  EXPECT_EQ(e.to_object_id(), 11);
  EXPECT_EQ(e.property_name(), "pipeline");
  EXPECT_EQ(e.property_value(), "p1");
  EXPECT_EQ(e.association_type(), "DEAL_TO_COMPANY");
  EXPECT_TRUE(e.association_removed());
  EXPECT_TRUE(e.is_primary_association());
  EXPECT_EQ(e.primary_object_id(), 12);
  EXPECT_EQ(e.new_object_id(), 13);
  ASSERT_EQ(e.merged_object_ids_size(), 1);
  EXPECT_EQ(e.merged_object_ids(0), 14);
}

TEST(EventParserTest, DropsValuesOfPropertiesTheProductDoesNotUse) {
  auto r = parse_events(
      R"([{"portalId":1,"occurredAt":1,"subscriptionType":"deal.propertyChange","objectId":5,
           "propertyName":"dealname","propertyValue":"Secret Deal Name"},
          {"portalId":1,"occurredAt":1,"subscriptionType":"deal.propertyChange","objectId":5,
           "propertyName":"amount","propertyValue":"90000"}])",
      0);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(message_of(r.events[0]).property_name(), "dealname");
  EXPECT_EQ(message_of(r.events[0]).property_value(), "");
  EXPECT_EQ(message_of(r.events[1]).property_value(), "");
}

TEST(EventParserTest, AssociationChangesKeepBothEndsAndTheirFlags) {
  auto r = parse_events(
      R"([{"portalId":9,"occurredAt":1,"subscriptionType":"deal.associationChange",
           "associationType":"DEAL_TO_COMPANY","fromObjectId":11,"toObjectId":22,
           "associationRemoved":false,"isPrimaryAssociation":true},
          {"portalId":9,"occurredAt":1,"subscriptionType":"company.associationChange",
           "associationType":"COMPANY_TO_DEAL","fromObjectId":22,"toObjectId":11,
           "associationRemoved":true,"isPrimaryAssociation":false}])",
      0);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(message_of(r.events[0]).association_type(), "DEAL_TO_COMPANY");
  EXPECT_EQ(message_of(r.events[0]).from_object_id(), 11);
  EXPECT_EQ(message_of(r.events[0]).to_object_id(), 22);
  EXPECT_EQ(message_of(r.events[1]).from_object_id(), 22);
  EXPECT_EQ(message_of(r.events[1]).to_object_id(), 11);
  EXPECT_TRUE(message_of(r.events[0]).is_primary_association());
  EXPECT_TRUE(message_of(r.events[1]).association_removed());
}

TEST(EventParserTest, MergeCarriesMergedIds) {
  auto r = parse_events(
      R"([{"portalId":9,"occurredAt":1,"subscriptionType":"deal.merge","objectId":30,
           "primaryObjectId":30,"mergedObjectIds":[31,32],"newObjectId":30}])",
      0);
  ASSERT_TRUE(r.ok);
  ASSERT_EQ(message_of(r.events[0]).merged_object_ids_size(), 2);
  EXPECT_EQ(message_of(r.events[0]).merged_object_ids(1), 32);
}

// The events point into the result's storage: moved (as the route moves it
// into a shared_ptr until Kafka answers), they still read the same.
TEST(EventParserTest, EventsStayValidWhenTheResultMoves) {
  auto r = parse_events(
      R"([{"portalId":9,"occurredAt":1,"subscriptionType":"deal.merge","objectId":3,)"
      R"("mergedObjectIds":[31,"32"]},)"
      R"({"portalId":9,"occurredAt":1,"subscriptionType":"deal.creation","objectId":4}])",
      0);
  ASSERT_TRUE(r.ok) << r.error;
  const std::string first = encode(r.events[0].event);
  auto moved = std::make_shared<ParseResult>(std::move(r));
  r = parse_events(R"([{"portalId":8,"occurredAt":2,"eventType":"x.y","objectId":5}])", 0);
  ASSERT_EQ(moved->events.size(), 2u);
  EXPECT_EQ(encode(moved->events[0].event), first);
  const auto merge = message_of(moved->events[0]);
  EXPECT_EQ(merge.subscription_type(), "deal.merge");
  ASSERT_EQ(merge.merged_object_ids_size(), 2);
  EXPECT_EQ(merge.merged_object_ids(1), 32);
  EXPECT_EQ(message_of(moved->events[1]).merged_object_ids_size(), 0);
}

struct BadCase {
  const char* name;
  const char* body;
  const char* error_part;
};

class EventParserRejects : public ::testing::TestWithParam<BadCase> {};

TEST_P(EventParserRejects, WithAMessage) {
  auto r = parse_events(GetParam().body, 0);
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.events.empty()) << "nothing half-accepted";
  EXPECT_NE(r.error.find(GetParam().error_part), std::string::npos) << r.error;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, EventParserRejects,
    ::testing::Values(
        BadCase{"not_json", "{oops", "not valid JSON"},
        BadCase{"object_not_array", R"({"portalId":1})", "must be a JSON array"},
        BadCase{"element_not_object", R"([1])", "event 0: must be an object"},
        BadCase{"missing_portal",
                R"([{"occurredAt":1,"subscriptionType":"deal.creation","objectId":1}])",
                "portalId"},
        BadCase{"missing_type", R"([{"portalId":1,"occurredAt":1,"objectId":1}])",
                "subscriptionType"},
        BadCase{"missing_object",
                R"([{"portalId":1,"occurredAt":1,"subscriptionType":"deal.creation"}])",
                "objectId"},
        BadCase{"second_bad",
                R"([{"portalId":1,"occurredAt":1,"subscriptionType":"deal.creation","objectId":1},
                    {"portalId":"x","occurredAt":1,"subscriptionType":"deal.creation","objectId":1}])",
                "event 1"},
        BadCase{"bad_type_shape",
                R"([{"portalId":1,"occurredAt":1,"subscriptionType":"creation","objectId":1}])",
                "subscriptionType"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(EventParserTest, RejectsMoreThanOneHundredEvents) {
  std::string body = "[";
  for (int i = 0; i < 101; ++i) {
    if (i) body += ",";
    body += R"({"portalId":1,"occurredAt":1,"subscriptionType":"deal.creation","objectId":1})";
  }
  body += "]";
  auto r = parse_events(body, 0);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("at most 100"), std::string::npos);
}

// 150,000 nested arrays (300 KB) used to overflow the stack (SIGSEGV).
TEST(EventParserTest, RefusesDeepNestingWithoutCrashing) {
  const std::string body = std::string(150'000, '[') + std::string(150'000, ']');
  auto r = parse_events(body, 0);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.reason, "json_too_deep");
  EXPECT_TRUE(r.events.empty());
}

// Used to be accepted; the protobuf then could not be read by the mapper.
TEST(EventParserTest, RefusesInvalidUtf8AndLoneSurrogates) {
  for (std::string source : {std::string("\xff\xfe"), std::string("\\udc00")}) {
    const std::string body =
        R"([{"portalId":1,"occurredAt":1,"subscriptionType":"deal.creation","objectId":1,)"
        R"("changeSource":")" +
        source + R"("}])";
    auto r = parse_events(body, 0);
    EXPECT_FALSE(r.ok) << source;
    EXPECT_EQ(r.reason, "json_encoding");
  }
}

// Whatever is accepted round-trips through protobuf (what the mapper reads).
TEST(EventParserTest, AcceptedEventsAreReadableProtobuf) {
  auto r = parse_events(
      R"([{"portalId":1,"occurredAt":1,"subscriptionType":"deal.creation","objectId":1,)"
      R"("changeSource":"\u00e9\ud83d\ude00 日"}])",
      0);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(message_of(r.events[0]).change_source(), "\xc3\xa9\xf0\x9f\x98\x80 \xe6\x97\xa5");
}

TEST(EventParserTest, RandomBytesNeverCrashAndNeverHalfAccept) {
  std::mt19937 rng(1234);
  std::string seed =
      R"([{"portalId":1,"occurredAt":1,"subscriptionType":"deal.creation","objectId":1}])";
  for (int i = 0; i < 20000; ++i) {
    std::string body = seed;
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      size_t pos = rng() % body.size();
      body[pos] = static_cast<char>(rng() % 256);
    }
    auto r = parse_events(body, 0);
    if (!r.ok) {
      EXPECT_TRUE(r.events.empty());
    }
  }
}

}  // namespace
}  // namespace hbsync::ingress
