// EventRecord's wire format against protobuf's for HubSpotEvent, field by
// field from the message's descriptor (a field added to events.proto and
// not to the record, its encoder and record_of fails here).
#include "event_record.hpp"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "event_record_test_support.hpp"

namespace hbsync::ingress {
namespace {

using google::protobuf::FieldDescriptor;

// Values of every kind a field may hold: small, multi-byte, negative (a
// negative int32 is 10 bytes on the wire), extremes; long and non-ASCII
// strings.
const std::vector<int64_t> kIntegers = {1,
                                        127,
                                        128,
                                        300,
                                        -1,
                                        -300,
                                        1700000000000,
                                        std::numeric_limits<int64_t>::max(),
                                        std::numeric_limits<int64_t>::min()};
const std::vector<std::string> kTexts = {"x", "deal.propertyChange", std::string(200, 'a'),
                                         "\xc3\xa9\xe2\x82\xac"};

// Sets `field` of `m` to its `k`th sample value (k < samples(field)).
size_t samples(const FieldDescriptor& field) {
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      return kTexts.size();
    case FieldDescriptor::CPPTYPE_BOOL:
      return 1;
    default:
      return kIntegers.size();
  }
}

void set_sample(v1::HubSpotEvent& m, const FieldDescriptor& field, size_t k) {
  const auto* r = m.GetReflection();
  const int64_t n = kIntegers[k % kIntegers.size()];
  if (field.is_repeated()) {
    ASSERT_EQ(field.cpp_type(), FieldDescriptor::CPPTYPE_INT64) << field.name();
    for (size_t i = 0; i <= k % 3; ++i)
      r->AddInt64(&m, &field, kIntegers[(k + i) % kIntegers.size()]);
    return;
  }
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT64:
      r->SetInt64(&m, &field, n);
      break;
    case FieldDescriptor::CPPTYPE_INT32:
      r->SetInt32(&m, &field,
                  static_cast<int32_t>(std::clamp<int64_t>(n, std::numeric_limits<int32_t>::min(),
                                                           std::numeric_limits<int32_t>::max())));
      break;
    case FieldDescriptor::CPPTYPE_STRING:
      r->SetString(&m, &field, kTexts[k]);
      break;
    case FieldDescriptor::CPPTYPE_BOOL:
      r->SetBool(&m, &field, true);
      break;
    default:
      FAIL() << "field " << field.name() << ": a type EventRecord does not carry";
  }
}

// Each field alone, with each sample value: the record's bytes are
// protobuf's. A field record_of or the encoder leaves out is missing from
// the record's bytes.
TEST(EventRecord, EveryFieldOfTheMessageAloneIsWrittenAsProtobufWritesIt) {
  const auto* descriptor = v1::HubSpotEvent::descriptor();
  ASSERT_GE(descriptor->field_count(), 20);
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FieldDescriptor& field = *descriptor->field(i);
    for (size_t k = 0; k < samples(field); ++k) {
      v1::HubSpotEvent m;
      set_sample(m, field, k);
      const std::string want = m.SerializeAsString();
      ASSERT_FALSE(want.empty()) << field.name();
      EXPECT_EQ(encoded_size(testing::record_of(m)), want.size()) << field.name() << " " << k;
      EXPECT_EQ(encode(testing::record_of(m)), want) << field.name() << " sample " << k;
    }
  }
}

TEST(EventRecord, AllFieldsTogetherAndNoneAreWrittenAsProtobufWritesThem) {
  const auto* descriptor = v1::HubSpotEvent::descriptor();
  for (size_t k = 0; k < kIntegers.size(); ++k) {
    v1::HubSpotEvent m;
    for (int i = 0; i < descriptor->field_count(); ++i) {
      const FieldDescriptor& field = *descriptor->field(i);
      set_sample(m, field, k % samples(field));
    }
    EXPECT_EQ(encode(testing::record_of(m)), m.SerializeAsString()) << m.ShortDebugString();
  }
  EXPECT_EQ(encode(EventRecord{}), "");
}

}  // namespace
}  // namespace hbsync::ingress
