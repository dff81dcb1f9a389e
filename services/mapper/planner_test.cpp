#include "planner.hpp"

#include <gtest/gtest.h>

#include "hbsync/domain/dates.hpp"

namespace hbsync::mapper {
namespace {

using domain::StageRow;
using std::chrono::system_clock;

// 2026-11-25T10:00:00Z (19:00 JST).
const system_clock::time_point kNow =
    system_clock::time_point(std::chrono::milliseconds(1795600800000));

tenant::Settings settings() {
  tenant::Settings s;
  s.tenant_id = "62515";
  s.stage_mapping.pipelines["default"] = {{StageRow::order_1, "appointmentscheduled"},
                                          {StageRow::order_5, "closedwon"},
                                          {StageRow::order_9, "closedlost"},
                                          {StageRow::invoiced, "contractsent"}};
  s.board.default_user_id = 900;
  s.board.api_key = "BKEY-planner";
  s.board.api_token = "BTOK-planner";
  return s;
}

DealSnapshot deal() {
  DealSnapshot d;
  d.deal_id = 10000000001;
  d.pipeline_id = "default";
  d.stage_id = "closedwon";
  d.owner_email = "Owner@Example.com";
  d.closedate = "2026-12-10T03:00:00Z";
  d.companies = {{.company_id = 10000000005, .type_ids = {5, 341}}};
  d.updated_at_ms = 1795600000000;
  return d;
}

const std::vector<domain::BoardUser> kUsers = {
    {.id = 7, .email = "owner@example.com", .valid = true},
    {.id = 8, .email = "other@example.com", .valid = true}};

v1::SyncCommand plan(const tenant::Settings& s, const DealSnapshot& d,
                     std::span<const domain::BoardUser> users = kUsers,
                     system_clock::time_point now = kNow) {
  return plan_deal({.settings = s, .deal = d, .board_users = users, .now = now});
}

TEST(PlannerTest, MappedStageWithPrimaryCompanyGivesSyncDeal) {
  auto c = plan(settings(), deal());
  ASSERT_EQ(c.action_case(), v1::SyncCommand::kSyncDeal);
  const auto& d = c.sync_deal();
  EXPECT_EQ(c.tenant_id(), "62515");
  EXPECT_EQ(c.created_at_ms(), 1795600800000);
  EXPECT_EQ(d.deal_id(), 10000000001);
  EXPECT_EQ(d.company_id(), 10000000005);
  EXPECT_EQ(d.order_status(), 5);
  EXPECT_EQ(d.board_user_id(), 7);
  EXPECT_EQ(d.invoice_date(), "2026-12-10");
  EXPECT_EQ(d.management_no(), "HS-10000000001");
  EXPECT_EQ(d.pipeline_id(), "default");
  EXPECT_EQ(d.stage_id(), "closedwon");
  EXPECT_EQ(d.deal_updated_at_ms(), 1795600000000);
  EXPECT_EQ(c.command_id(),
            "v1:62515:sync_deal:10000000001:order_5:1795600000000:d974d8fc4379365ef");
  EXPECT_EQ(command_key(c), "62515:deal:10000000001");
}

// F1.2 before F1.1: a tenant that signed in but has not saved its board
// connection records deals that would sync, and sends nothing to board; a
// deal in an unmapped stage keeps its own reason.
TEST(PlannerTest, BoardNotConnectedRecordsASkip) {
  auto s = settings();
  s.board.api_token.clear();
  auto c = plan(s, deal());
  ASSERT_EQ(c.action_case(), v1::SyncCommand::kRecordSkip);
  EXPECT_EQ(c.record_skip().reason_code(), "board_not_connected");
  EXPECT_EQ(c.record_skip().object_id(), 10000000001);
  auto unmapped = deal();
  unmapped.stage_id = "qualifiedtobuy";
  EXPECT_EQ(plan(s, unmapped).record_skip().reason_code(), "stage_not_mapped");
  s.board.api_token = "BTOK-planner";
  EXPECT_EQ(plan(s, deal()).action_case(), v1::SyncCommand::kSyncDeal);
}

TEST(PlannerTest, CompanyResolution) {
  struct Case {
    const char* name;
    std::vector<domain::CompanyAssociation> companies;
    std::optional<int64_t> want;  // nullopt: RecordSkip no_company
  };
  const std::vector<Case> cases = {
      {"primary wins over smaller id", {{30, {341}}, {50, {5, 341}}, {20, {341}}}, 50},
      {"no primary: smallest id", {{30, {341}}, {12, {341}}, {20, {341}}}, 12},
      {"only company", {{44, {341}}}, 44},
      {"duplicates merged", {{44, {341}}, {44, {5}}, {3, {341}}}, 44},
      {"no company", {}, std::nullopt},
  };
  for (const auto& tc : cases) {
    auto d = deal();
    d.companies = tc.companies;
    auto c = plan(settings(), d);
    if (tc.want) {
      ASSERT_EQ(c.action_case(), v1::SyncCommand::kSyncDeal) << tc.name;
      EXPECT_EQ(c.sync_deal().company_id(), *tc.want) << tc.name;
    } else {
      ASSERT_EQ(c.action_case(), v1::SyncCommand::kRecordSkip) << tc.name;
      EXPECT_EQ(c.record_skip().reason_code(), "no_company") << tc.name;
      EXPECT_EQ(c.record_skip().direction(), "hubspot_to_board");
      EXPECT_EQ(c.record_skip().object_type(), "deal");
      EXPECT_EQ(c.record_skip().object_id(), 10000000001);
      EXPECT_EQ(command_key(c), "62515:deal:10000000001");
    }
  }
}

TEST(PlannerTest, StageRules) {
  struct Case {
    const char* pipeline;
    const char* stage;
    std::string want;  // "" = sync, else the skip reason
    int status = 0;
  };
  const std::vector<Case> cases = {
      {"default", "appointmentscheduled", "", 1},
      {"default", "closedlost", "", 9},
      {"default", "qualifiedtobuy", "stage_not_mapped"},
      {"default", "contractsent", "stage_is_invoice_state"},
      {"other", "closedwon", "pipeline_not_mapped"},
  };
  for (const auto& tc : cases) {
    auto d = deal();
    d.pipeline_id = tc.pipeline;
    d.stage_id = tc.stage;
    auto c = plan(settings(), d);
    if (tc.want.empty()) {
      ASSERT_EQ(c.action_case(), v1::SyncCommand::kSyncDeal) << tc.stage;
      EXPECT_EQ(c.sync_deal().order_status(), tc.status);
    } else {
      ASSERT_EQ(c.action_case(), v1::SyncCommand::kRecordSkip) << tc.stage;
      EXPECT_EQ(c.record_skip().reason_code(), tc.want);
    }
  }
}

TEST(PlannerTest, UnmappedStageIsReportedBeforeMissingCompany) {
  auto d = deal();
  d.companies.clear();
  d.stage_id = "qualifiedtobuy";
  auto c = plan(settings(), d);
  ASSERT_EQ(c.action_case(), v1::SyncCommand::kRecordSkip);
  EXPECT_EQ(c.record_skip().reason_code(), "stage_not_mapped");
}

TEST(PlannerTest, BoardUser) {
  struct Case {
    const char* name;
    std::optional<std::string> email;
    std::optional<int64_t> default_user;
    int64_t want;
  };
  const std::vector<Case> cases = {
      {"owner email matches (case-insensitive)", "OWNER@example.com", 900, 7},
      {"no match: default user", "nobody@example.com", 900, 900},
      {"no owner: default user", std::nullopt, 900, 900},
      {"no match, no default: 0", "nobody@example.com", std::nullopt, 0},
  };
  for (const auto& tc : cases) {
    auto s = settings();
    s.board.default_user_id = tc.default_user;
    auto d = deal();
    d.owner_email = tc.email;
    auto c = plan(s, d);
    ASSERT_EQ(c.action_case(), v1::SyncCommand::kSyncDeal) << tc.name;
    EXPECT_EQ(c.sync_deal().board_user_id(), tc.want) << tc.name;
  }
  // An invalid board user never matches.
  std::vector<domain::BoardUser> invalid = {
      {.id = 7, .email = "owner@example.com", .valid = false}};
  EXPECT_EQ(plan(settings(), deal(), invalid).sync_deal().board_user_id(), 900);
}

TEST(PlannerTest, InvoiceDate) {
  struct Case {
    std::optional<std::string> closedate;
    domain::InvoiceDateRule rule;
    const char* want;
  };
  const std::vector<Case> cases = {
      {"2026-12-10T03:00:00Z", domain::InvoiceDateRule::closedate_or_month_end, "2026-12-10"},
      // 15:00Z is midnight JST: the next day.
      {"2026-11-30T15:00:00Z", domain::InvoiceDateRule::closedate_or_month_end, "2026-12-01"},
      {"1796000000000", domain::InvoiceDateRule::closedate_or_month_end, "2026-11-30"},
      {std::nullopt, domain::InvoiceDateRule::closedate_or_month_end, "2026-11-30"},
      {"garbage", domain::InvoiceDateRule::closedate_or_month_end, "2026-11-30"},
      {"2027-01-10T03:00:00Z", domain::InvoiceDateRule::closedate_month_end, "2027-01-31"},
      {"2027-01-10T03:00:00Z", domain::InvoiceDateRule::current_month_end, "2026-11-30"},
  };
  for (const auto& tc : cases) {
    auto s = settings();
    s.invoice_date_rule = tc.rule;
    auto d = deal();
    d.closedate = tc.closedate;
    EXPECT_EQ(plan(s, d).sync_deal().invoice_date(), tc.want) << tc.closedate.value_or("(none)");
  }
}

TEST(PlannerTest, ManagementNoOnAndOff) {
  auto s = settings();
  s.management_no = {.enabled = true, .prefix = "DEAL-"};
  EXPECT_EQ(plan(s, deal()).sync_deal().management_no(), "DEAL-10000000001");
  s.management_no.enabled = false;
  EXPECT_EQ(plan(s, deal()).sync_deal().management_no(), "");
}

TEST(PlannerTest, CommandIdStableForDuplicatesAndNewForNewRevision) {
  auto a = plan(settings(), deal(), kUsers, kNow);
  auto b = plan(settings(), deal(), kUsers, kNow + std::chrono::minutes(5));  // re-delivered later
  EXPECT_EQ(a.command_id(), b.command_id());
  auto d = deal();
  d.updated_at_ms += 1000;
  EXPECT_NE(plan(settings(), d).command_id(), a.command_id());
  // A -> B -> A: the second move to A has a new revision, so a new key.
  d.stage_id = "closedlost";
  auto lost = plan(settings(), d);
  d.stage_id = "closedwon";
  d.updated_at_ms += 1000;
  auto back = plan(settings(), d);
  EXPECT_NE(lost.command_id(), back.command_id());
  EXPECT_NE(back.command_id(), a.command_id());
  // Skips are keyed the same way.
  auto n = deal();
  n.companies.clear();
  EXPECT_EQ(plan(settings(), n).command_id(), plan(settings(), n).command_id());
  EXPECT_EQ(plan(settings(), n).command_id(),
            "v1:62515:record_skip:10000000001:no_company:1795600000000");
}

// Issue 8 C10: HubSpot does not move a deal's updatedAt when its companies
// change. A deal decided for another company at the same revision is a new
// command (the old one may have failed for good: a duplicate of it would be
// dropped), while the same state decided twice is still one command.
TEST(PlannerTest, CommandIdCoversTheDecision) {
  auto unnamed = deal();
  unnamed.companies = {{.company_id = 10000000005, .type_ids = {341}}};
  auto named = unnamed;  // a named primary company associated later
  named.companies.push_back({.company_id = 10000000009, .type_ids = {5}});
  const auto a = plan(settings(), unnamed);
  const auto b = plan(settings(), named);
  ASSERT_EQ(a.sync_deal().company_id(), 10000000005);
  ASSERT_EQ(b.sync_deal().company_id(), 10000000009);
  ASSERT_EQ(a.sync_deal().deal_updated_at_ms(), b.sync_deal().deal_updated_at_ms());
  EXPECT_NE(a.command_id(), b.command_id());
  // The same state twice (a duplicate webhook, a later re-read): same id.
  EXPECT_EQ(plan(settings(), named, kUsers, kNow + std::chrono::minutes(5)).command_id(),
            b.command_id());
  // Every decided field counts: the board user ...
  const std::vector<domain::BoardUser> no_match = {{.id = 8, .email = "x@example.com"}};
  EXPECT_NE(plan(settings(), named, no_match).command_id(), b.command_id());
  // ... the invoice date, the management number.
  auto closes_later = named;
  closes_later.closedate = "2026-12-20T03:00:00Z";
  EXPECT_NE(plan(settings(), closes_later).command_id(), b.command_id());
  auto s = settings();
  s.management_no.enabled = false;
  EXPECT_NE(plan(s, named).command_id(), b.command_id());
  // The id is computed from the command itself, so the writer and tests can
  // check it.
  EXPECT_EQ(sync_deal_command_id("62515", b.sync_deal()), b.command_id());
  // Company ids 12 + 34 vs 1 + 234 must not meet in the digest's input.
  auto c1 = b.sync_deal();
  auto c2 = b.sync_deal();
  c1.set_company_id(12);
  c1.set_board_user_id(34);
  c2.set_company_id(1);
  c2.set_board_user_id(234);
  EXPECT_NE(sync_deal_command_id("62515", c1), sync_deal_command_id("62515", c2));
}

// A -> B -> A through association changes alone (a primary set, then
// removed): the move back to A is a new command, answering its own
// association change; a duplicate of that webhook is not.
TEST(PlannerTest, CommandIdAnswersTheAssociationChange) {
  auto a = deal();
  const auto first = plan(settings(), a);
  a.association_changed_at_ms = a.updated_at_ms + 60000;
  auto b = a;
  b.companies.push_back({.company_id = 10000000009, .type_ids = {5}});
  b.companies[0].type_ids = {341};
  const auto to_b = plan(settings(), b);
  a.association_changed_at_ms += 60000;  // B removed: A again
  const auto back = plan(settings(), a);
  EXPECT_EQ(back.sync_deal().company_id(), first.sync_deal().company_id());
  EXPECT_NE(back.command_id(), first.command_id());
  EXPECT_NE(back.command_id(), to_b.command_id());
  EXPECT_EQ(plan(settings(), a).command_id(), back.command_id());  // the same webhook again
}

v1::HubSpotEvent event(std::string type, std::string property = "") {
  v1::HubSpotEvent e;
  e.set_portal_id(62515);
  e.set_subscription_type(std::move(type));
  e.set_object_id(111);
  e.set_property_name(std::move(property));
  return e;
}

TEST(PlannerTest, Classify) {
  EXPECT_EQ(classify(event("deal.creation")), EventAction::reread_deal);
  EXPECT_EQ(classify(event("deal.propertyChange", "dealstage")), EventAction::reread_deal);
  EXPECT_EQ(classify(event("deal.propertyChange", "pipeline")), EventAction::reread_deal);
  EXPECT_EQ(classify(event("deal.propertyChange", "hubspot_owner_id")), EventAction::reread_deal);
  EXPECT_EQ(classify(event("deal.propertyChange", "amount")), EventAction::ignore);
  EXPECT_EQ(classify(event("deal.propertyChange", "dealname")), EventAction::ignore);
  EXPECT_EQ(classify(event("company.creation")), EventAction::ignore);
  EXPECT_EQ(classify(event("company.propertyChange", "name")), EventAction::ignore);
  EXPECT_EQ(classify(event("company.deletion")), EventAction::ignore);
  EXPECT_EQ(classify(event("contact.creation")), EventAction::ignore);
  EXPECT_EQ(classify(event("deal.deletion")), EventAction::deactivate_deal);
  EXPECT_EQ(classify(event("deal.merge")), EventAction::repoint_deals);
  EXPECT_EQ(classify(event("company.merge")), EventAction::repoint_companies);
  // hbsync-ctl dlq replay: decide the deal again.
  EXPECT_EQ(classify(event("hbsync.replay")), EventAction::reread_deal);
  EXPECT_EQ(deal_id_of(event("hbsync.replay")), 111);

  auto a = event("deal.associationChange");
  a.set_association_type("DEAL_TO_COMPANY");
  a.set_from_object_id(222);
  a.set_to_object_id(333);
  EXPECT_EQ(classify(a), EventAction::reread_deal);
  EXPECT_EQ(deal_id_of(a), 222);
  a.set_association_type("COMPANY_TO_DEAL");
  a.set_from_object_id(333);
  a.set_to_object_id(222);
  EXPECT_EQ(classify(a), EventAction::reread_deal);
  EXPECT_EQ(deal_id_of(a), 222);
  a.set_association_type("DEAL_TO_CONTACT");
  EXPECT_EQ(classify(a), EventAction::ignore);
  EXPECT_EQ(deal_id_of(event("deal.creation")), 111);
}

TEST(PlannerTest, DeletionAndMerges) {
  auto del = plan_lifecycle("62515", event("deal.deletion"), kNow);
  ASSERT_TRUE(del);
  ASSERT_EQ(del->action_case(), v1::SyncCommand::kDeactivateDeal);
  EXPECT_EQ(del->deactivate_deal().deal_id(), 111);
  EXPECT_EQ(command_key(*del), "62515:deal:111");
  EXPECT_EQ(del->command_id(), plan_lifecycle("62515", event("deal.deletion"), kNow)->command_id());

  auto m = event("deal.merge");
  m.set_primary_object_id(500);
  m.add_merged_object_ids(700);
  m.add_merged_object_ids(500);
  m.add_merged_object_ids(600);
  auto r = plan_lifecycle("62515", m, kNow);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->action_case(), v1::SyncCommand::kRepointLinks);
  EXPECT_EQ(r->repoint_links().object_type(), "deal");
  EXPECT_EQ(r->repoint_links().surviving_id(), 500);
  ASSERT_EQ(r->repoint_links().merged_ids_size(), 2);
  EXPECT_EQ(r->repoint_links().merged_ids(0), 600);
  EXPECT_EQ(r->repoint_links().merged_ids(1), 700);
  EXPECT_EQ(command_key(*r), "62515:deal:500");

  auto cm = event("company.merge");
  cm.set_new_object_id(900);
  cm.add_merged_object_ids(901);
  auto rc = plan_lifecycle("62515", cm, kNow);
  ASSERT_TRUE(rc);
  EXPECT_EQ(rc->repoint_links().object_type(), "company");
  EXPECT_EQ(command_key(*rc), "62515:company:900");

  EXPECT_FALSE(plan_lifecycle("62515", event("deal.merge"), kNow));  // nothing merged
  EXPECT_FALSE(plan_lifecycle("62515", event("deal.creation"), kNow));
}

TEST(PlannerTest, DealNotFound) {
  auto c = plan_deal_not_found("62515", 111, 1795600000000, kNow);
  ASSERT_EQ(c.action_case(), v1::SyncCommand::kRecordSkip);
  EXPECT_EQ(c.record_skip().reason_code(), "deal_not_found");
  EXPECT_EQ(c.record_skip().object_id(), 111);
}

TEST(PlannerTest, CompaniesFromV3) {
  std::vector<hubspot::AssociationRef> refs = {{"20", "deal_to_company"},
                                               {"20", "deal_to_company_unlabeled"},
                                               {"10", "deal_to_company_unlabeled"}};
  auto a = companies_from_v3(refs);
  ASSERT_TRUE(a);
  auto r = domain::resolve_company(*a);
  EXPECT_EQ(r.company_id, 20);
  EXPECT_EQ(r.reason, domain::CompanyReason::primary);
  EXPECT_TRUE(companies_from_v3({})->empty());
  std::vector<hubspot::AssociationRef> custom = {{"20", "my_custom_label"}};
  EXPECT_FALSE(companies_from_v3(custom));  // only v4 can tell
  std::vector<hubspot::AssociationRef> bad = {{"x", "deal_to_company"}};
  EXPECT_FALSE(companies_from_v3(bad));
}

}  // namespace
}  // namespace hbsync::mapper

namespace hbsync::mapper {
namespace {

// F4.7: only a dealstage change to the stage an active link records is
// skipped without reading the deal.
TEST(PlannerTest, StageAlreadyKnownSkipsOnlyTheEchoOfAKnownStage) {
  auto event = [](std::string type, std::string property, std::string value) {
    v1::HubSpotEvent e;
    e.set_subscription_type(std::move(type));
    e.set_property_name(std::move(property));
    e.set_property_value(std::move(value));
    return e;
  };
  links::DealLink link;
  link.project_id = 7;
  link.stage_id = "closedwon";
  links::DealLink inactive = link;
  inactive.active = false;
  links::DealLink unknown = link;
  unknown.stage_id.clear();
  const auto won = event("deal.propertyChange", "dealstage", "closedwon");
  struct Case {
    const char* what;
    v1::HubSpotEvent event;
    const links::DealLink* link;
    bool skipped;
  } cases[] = {
      {"echo of the known stage", won, &link, true},
      {"another stage", event("deal.propertyChange", "dealstage", "closedlost"), &link, false},
      {"no link", won, nullptr, false},
      {"inactive link", won, &inactive, false},
      {"stage not known", won, &unknown, false},
      {"another property with that value", event("deal.propertyChange", "pipeline", "closedwon"),
       &link, false},
      {"deal creation", event("deal.creation", "", "closedwon"), &link, false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(stage_already_known(c.event, c.link), c.skipped) << c.what;
  }
}

}  // namespace
}  // namespace hbsync::mapper
