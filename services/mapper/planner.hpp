// The mapper's decisions (SPEC F2, F3, F3.7), pure: no I/O, no clock, no
// randomness. The handler (main.cpp) reads HubSpot and board, fills a
// DealSnapshot and publishes what these functions return.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hbsync/domain/company.hpp"
#include "hbsync/domain/owner.hpp"
#include "hbsync/hubspot/records.hpp"
#include "hbsync/links/links.hpp"
#include "hbsync/tenant/settings.hpp"
#include "hbsync/v1/events.pb.h"

namespace hbsync::mapper {

// What an event asks the mapper to do.
enum class EventAction {
  ignore,             // not something the product reacts to
  reread_deal,        // re-read the deal (object id in deal_id_of) and plan it
  deactivate_deal,    // deal.deletion
  repoint_deals,      // deal.merge
  repoint_companies,  // company.merge
};
std::string_view to_string(EventAction action);

// deal.creation; deal.propertyChange of dealstage, pipeline, hubspot_owner_id;
// deal.associationChange (DEAL_TO_COMPANY / COMPANY_TO_DEAL); an operator's
// replay (service::kReplaySubscriptionType, made by hbsync-ctl); deal.deletion;
// deal.merge and company.merge. Everything else (other company.* events,
// other properties, contacts, ...) is ignored.
EventAction classify(const v1::HubSpotEvent& event);

// F4.7, no echo without a read: a dealstage change to the stage the deal's
// active link already records (the board -> HubSpot write of this app
// coming back as a webhook, or a repeated delivery) changes nothing in
// board, so the deal is not read again. Any other event, an unknown stage
// or an inactive link: false (the deal is read and planned as usual).
bool stage_already_known(const v1::HubSpotEvent& event, const links::DealLink* link);

// The deal an event concerns: the object id, or for COMPANY_TO_DEAL
// association changes the `to` object (falling back to the object id).
int64_t deal_id_of(const v1::HubSpotEvent& event);

// The current deal as HubSpot has it, without personal data beyond the
// owner's e-mail (used for matching only, never logged or published).
struct DealSnapshot {
  int64_t deal_id = 0;
  std::string pipeline_id;
  std::string stage_id;
  std::optional<std::string> owner_email;
  std::optional<std::string> closedate;
  std::vector<domain::CompanyAssociation> companies;
  int64_t updated_at_ms = 0;  // the deal's updatedAt: the command revision
  // When the read answers a deal<->company association change: the event's
  // occurredAt (0 otherwise). HubSpot does not move updatedAt for those, so
  // a deal whose company went A -> B -> A would otherwise decide A twice
  // with one id and the second decision would be dropped as a duplicate of
  // the first. Duplicates of one association webhook share it.
  int64_t association_changed_at_ms = 0;
};

struct PlanInput {
  const tenant::Settings& settings;
  const DealSnapshot& deal;
  std::span<const domain::BoardUser> board_users;
  std::chrono::system_clock::time_point now;
};

// RecordSkip reason codes the mapper emits.
namespace skip_reason {
inline constexpr std::string_view no_company = "no_company";
inline constexpr std::string_view pipeline_not_mapped = "pipeline_not_mapped";
inline constexpr std::string_view stage_not_mapped = "stage_not_mapped";
inline constexpr std::string_view stage_is_invoice_state = "stage_is_invoice_state";
inline constexpr std::string_view deal_not_found = "deal_not_found";
// The tenant signed in (F1.2) but has not saved its board connection (F1.1)
// yet: a deal that would sync is recorded, not sent to a board it cannot
// reach. Saving the connection and retrying it from the history syncs it.
inline constexpr std::string_view board_not_connected = "board_not_connected";
}  // namespace skip_reason

// F3: SyncDealToProject when the deal's stage drives board and it has a
// company and the tenant's board is connected; else a RecordSkip saying why.
// The stage is checked first (a deal in an unmapped stage is not a "no
// company" problem), the board connection last. created_at_ms = now.
// board_user_id is 0 when neither the owner nor a default user gives one
// (the writer can still update the status of a linked project).
v1::SyncCommand plan_deal(const PlanInput& input);

// The command id of a SyncDealToProject: tenant, deal, order status, the
// deal's updatedAt (revision) and a digest of everything the command decides
// (company, order status, board user, invoice date, management_no, pipeline,
// stage; not the sealed name, which is encrypted anew each time) and of the
// association change it answers (`association_changed_at_ms`, when not 0).
// HubSpot does not move a deal's updatedAt when its companies change, so the
// digest is what makes a deal decided for another company a new command
// rather than a duplicate; a duplicate webhook of one state gives the same
// id.
std::string sync_deal_command_id(const std::string& tenant_id, const v1::SyncDealToProject& deal,
                                 int64_t association_changed_at_ms = 0);

// A RecordSkip for a deal HubSpot no longer has (404 on the re-read).
v1::SyncCommand plan_deal_not_found(const std::string& tenant_id, int64_t deal_id,
                                    int64_t occurred_at_ms,
                                    std::chrono::system_clock::time_point now);

// deal.deletion -> DeactivateDealLink; deal.merge / company.merge ->
// RepointLinks (surviving id = primary_object_id, else new_object_id, else
// object_id; merged ids from merged_object_ids minus the survivor). nullopt
// for other events or a merge without merged ids.
std::optional<v1::SyncCommand> plan_lifecycle(const std::string& tenant_id,
                                              const v1::HubSpotEvent& event,
                                              std::chrono::system_clock::time_point now);

// v3 `associations=companies` entries as v4 type ids: "deal_to_company" is
// the primary (5), "deal_to_company_unlabeled" 341. nullopt when an entry
// has another type or an id that is not a number: then only the v4 call
// can tell the primary.
std::optional<std::vector<domain::CompanyAssociation>> companies_from_v3(
    std::span<const hubspot::AssociationRef> refs);

// The Kafka key of a command: "<tenant>:deal:<id>" or "<tenant>:company:<id>".
std::string command_key(const v1::SyncCommand& command);

inline constexpr std::string_view kSyncCommandSchema = "hbsync.v1.SyncCommand";

}  // namespace hbsync::mapper
