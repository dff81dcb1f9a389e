// Tests only: a HubSpotEvent's fields as an EventRecord (strings and ids
// pointing into the message), to compare the record's wire format with
// protobuf's for the same event. Every field by hand: a field added to
// HubSpotEvent and not here (nor to EventRecord and its encoder) makes
// event_record_test's descriptor walk fail.
#pragma once

#include "event_record.hpp"

namespace hbsync::ingress::testing {

inline EventRecord record_of(const v1::HubSpotEvent& m) {
  EventRecord e;
  e.portal_id = m.portal_id();
  e.event_id = m.event_id();
  e.subscription_id = m.subscription_id();
  e.app_id = m.app_id();
  e.subscription_type = m.subscription_type();
  e.object_id = m.object_id();
  e.occurred_at_ms = m.occurred_at_ms();
  e.attempt_number = m.attempt_number();
  e.change_source = m.change_source();
  e.property_name = m.property_name();
  e.property_value = m.property_value();
  e.association_type = m.association_type();
  e.from_object_id = m.from_object_id();
  e.to_object_id = m.to_object_id();
  e.association_removed = m.association_removed();
  e.is_primary_association = m.is_primary_association();
  e.primary_object_id = m.primary_object_id();
  e.merged_object_ids = {m.merged_object_ids().data(),
                         static_cast<size_t>(m.merged_object_ids_size())};
  e.new_object_id = m.new_object_id();
  e.received_at_ms = m.received_at_ms();
  return e;
}

}  // namespace hbsync::ingress::testing
