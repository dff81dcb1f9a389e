// The keys of hubspot.events: every message keyed by its portal, events
// named by their object (association changes by their deal).
#include "hbsync/service/hubspot_events.hpp"

#include <gtest/gtest.h>

namespace hbsync::service {
namespace {

v1::HubSpotEvent event(int64_t portal, std::string type, int64_t object) {
  v1::HubSpotEvent e;
  e.set_portal_id(portal);
  e.set_subscription_type(std::move(type));
  e.set_object_id(object);
  return e;
}

TEST(HubSpotEventsKey, IsThePortalWhateverTheKeyItComesFrom) {
  EXPECT_EQ(hubspot_events_key(62515), "62515");
  EXPECT_EQ(hubspot_events_key(std::string_view("62515:deal:42")), "62515");
  EXPECT_EQ(hubspot_events_key(std::string_view("62515")), "62515");
  const auto e = event(777, "company.propertyChange", 9);
  EXPECT_EQ(hubspot_events_key(event_key(e)), hubspot_events_key(e.portal_id()));
}

TEST(EventKey, NamesTheObjectAndAssociationChangesByTheirDeal) {
  EXPECT_EQ(event_key(event(62515, "deal.propertyChange", 1246965)), "62515:deal:1246965");
  EXPECT_EQ(event_key(event(9, "company.creation", 4)), "9:company:4");
  EXPECT_EQ(event_key(event(9, "hbsync.replay", 5)), "9:hbsync:5");

  auto deal_to_company = event(9, "deal.associationChange", 0);
  deal_to_company.set_association_type("DEAL_TO_COMPANY");
  deal_to_company.set_from_object_id(11);
  deal_to_company.set_to_object_id(22);
  EXPECT_EQ(event_key(deal_to_company), "9:deal:11");
  auto company_to_deal = event(9, "company.associationChange", 0);
  company_to_deal.set_association_type("COMPANY_TO_DEAL");
  company_to_deal.set_from_object_id(22);
  company_to_deal.set_to_object_id(11);
  EXPECT_EQ(event_key(company_to_deal), "9:deal:11");

  auto other = event(9, "contact.associationChange", 0);
  other.set_association_type("CONTACT_TO_COMPANY");
  other.set_from_object_id(33);
  EXPECT_EQ(event_key(other), "9:contact:33") << "no object id: the from id";
}

}  // namespace
}  // namespace hbsync::service
