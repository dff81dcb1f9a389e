// F5 bulk board -> HubSpot companies (会社情報同期), run by the poller for a
// SyncRequest of kind BULK_COMPANIES (hbsync-ctl bulk-sync companies, the
// console). One entry point: BulkCompanies::handle.
//
// A run, under the tenant's lease (one run per tenant across replicas):
//  1. lists every board client (100 per page) and skips the linked ones;
//  2. per batch of up to 100 unlinked clients (ascending ids):
//     a. batch read by the unique company property `hbsync_board_client_id`
//        (created with hasUniqueValue by the run): companies an earlier,
//        interrupted attempt created are found exactly (records, not the
//        lagging search index) and linked, never created twice;
//     b. one search, name IN the batch's names: a company with exactly a
//        client's name is linked (its link property and client id written);
//     c. one batch create for the rest, each with the reverse F3.3 mapping,
//        the link property (F3.4: the client's URL) and the client id;
//     d. outcomes counted once per client per run (Redis status, metrics,
//        id-only history), then the links recorded.
//  3. status done (or failed with a reason code).
// A kill at any point leaves the request uncommitted in Kafka: it is
// delivered again and the run resumes (step 2a makes that exact).
// docs/architecture.md "Bulk company sync" explains the choices.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "bulk_links.hpp"
#include "hbsync/board/api.hpp"
#include "hbsync/config/config.hpp"
#include "hbsync/history/history.hpp"
#include "hbsync/hubspot/oauth.hpp"
#include "hbsync/kafka/consumer.hpp"
#include "hbsync/redis/lease.hpp"
#include "hbsync/redis/redis.hpp"
#include "hbsync/tenant/store.hpp"
#include "hbsync/v1/events.pb.h"

namespace hbsync::poller {

struct BulkOptions {
  // The tenant's run lease; renewed after every step. A run whose poller
  // died is taken over this long after its last renewal.
  std::chrono::milliseconds lease{std::chrono::seconds(60)};
  // The unique company property that holds the board client id.
  std::string id_property = "hbsync_board_client_id";

  // HBSYNC_POLLER_BULK_LEASE, HBSYNC_POLLER_BULK_ID_PROPERTY.
  static BulkOptions load(config::Loader& loader);
};

// Everything must outlive the BulkCompanies.
struct BulkDeps {
  redis::Client& redis;
  tenant::Store& store;
  hubspot::Api& hubspot;
  hubspot::TokenProviders& tokens;
  board::Api& board;
  history::History& history;
  CompanyLinks& links;
  // True once the service drains: the run stops after its current step.
  std::function<bool()> stopping;
};

class BulkCompanies {
 public:
  BulkCompanies(BulkDeps deps, BulkOptions options)
      : deps_(std::move(deps)), options_(std::move(options)) {}

  // Runs or resumes the run `request` asks for. done: finished (done or
  // failed, see the status); retry: deliver again (lease busy, a retryable
  // HubSpot/board/Redis failure, draining) and the run resumes.
  kafka::HandlerResult handle(const v1::SyncRequest& request, const kafka::Message& message);

 private:
  kafka::HandlerResult run_locked(const std::string& tenant_id, const std::string& run_id,
                                  redis::Lease& lease, const kafka::Message& message);

  BulkDeps deps_;
  BulkOptions options_;
};

}  // namespace hbsync::poller
