#include "hbsync/service/hubspot_events.hpp"

namespace hbsync::service {

std::string hubspot_events_key(int64_t portal_id) {
  return std::to_string(portal_id);
}

std::string hubspot_events_key(std::string_view key) {
  return std::string(key.substr(0, key.find(':')));
}

std::string event_key(const v1::HubSpotEvent& ev) {
  std::string_view object_type = ev.subscription_type();
  object_type = object_type.substr(0, object_type.find('.'));
  int64_t key_id = ev.object_id();
  if (ev.association_type() == "DEAL_TO_COMPANY") {
    object_type = "deal";
    key_id = ev.from_object_id();
  } else if (ev.association_type() == "COMPANY_TO_DEAL") {
    object_type = "deal";
    key_id = ev.to_object_id();
  } else if (key_id == 0) {
    key_id = ev.from_object_id();
  }
  std::string key = std::to_string(ev.portal_id());
  key += ':';
  key += object_type;
  key += ':';
  key += std::to_string(key_id);
  return key;
}

}  // namespace hbsync::service
