// One command being applied: what every writer use case works with.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "fenced.hpp"
#include "hbsync/history/history.hpp"
#include "hbsync/kafka/consumer.hpp"
#include "hbsync/links/links.hpp"
#include "hbsync/tenant/crypto.hpp"
#include "hbsync/tenant/store.hpp"
#include "hbsync/v1/events.pb.h"
#include "outbox.hpp"
#include "outcome.hpp"
#include "state.hpp"
#include "sync_latency.hpp"

namespace hbsync::writer {

struct Job {
  const tenant::Settings& settings;
  const v1::SyncCommand& command;
  const kafka::Message& message;
  std::string owner;  // who holds the claim (and the company lock)
  FencedBoard board;
  FencedHubSpot hubspot;
  LeaseKeeper& keeper;
  State& state;
  hbsync::links::Links& links;
  Outbox& outbox;  // board -> HubSpot deal updates for the flusher
  history::History& history;
  const tenant::Keyring& keyring;
  // How long a command waits for another writer linking the same company.
  std::chrono::milliseconds lock_wait;
  int64_t locked_company = 0;            // the company lock held, 0: none
  bool client_created = false;           // ensure_client made the client (it has no projects yet)
  FirstDeal first_deal = FirstDeal::no;  // ensure_client linked the company (sync latency)

  const std::string& tenant() const { return settings.tenant_id; }
  // A history entry of this command (direction hubspot_to_board unless set).
  void record(history::Entry entry);
};

// What HubSpot's deal is known to have (SPEC F4.7), from a HubSpot-side
// command: the pipeline into `patch`, and the stage with its updatedAt as a
// HubSpot-originated change when it differs from the stage the link knows.
void note_hubspot_stage(Job& job, int64_t deal_id, const std::string& pipeline_id,
                        const std::string& stage_id, int64_t deal_updated_ms,
                        links::Links::DealPatch& patch);

// The use cases, one per file (use_case_*.cpp).
Outcome sync_deal(Job& job);
Outcome ensure_client(Job& job, int64_t company_id, int64_t& client_id);
Outcome write_link_property(Job& job, int64_t company_id, int64_t client_id);
Outcome update_status(Job& job, int64_t deal_id, int64_t project_id, int from, int to,
                      int64_t revision);
Outcome record_skip(Job& job);
Outcome deactivate(Job& job, int64_t deal_id, std::string_view reason_code);
Outcome repoint(Job& job);
Outcome update_deal(Job& job);  // use_case_update_deal.cpp

// The use case of the command's kind.
Outcome dispatch(Job& job);

}  // namespace hbsync::writer
