// The deal flusher: sends the outbox's deal updates to HubSpot in batch
// calls (POST /crm/v3/objects/deals/batch/update, up to 100 deals per call)
// within HubSpot's per-portal limit (hubspot::Api's limiter, shared by
// replicas). A writer worker thread; one flusher per tenant at a time across
// replicas (a redis::Lease per tenant).
//
// Per due tenant: take up to 100 entries, send them in one call, then per
// deal:
// - updated -> entry removed if unchanged (an update queued meanwhile stays),
//   history `updated` (board_to_hubspot, ids only);
// - refused (a 207 error naming the deal, or a 400 for that deal alone: a
//   400 for a batch is split in halves to find the deal) -> entry removed,
//   the deal link's known stage and amount forgotten (a replay or the next
//   change writes them again), history `failed`, a dead letter carrying the
//   original SyncCommand (replayable) and its claim marked failed;
// - retryable failure (429, 5xx, network, Redis) -> nothing removed, the
//   tenant is due again after a backoff (never given up: the entries wait).
// A crash between the call and the bookkeeping sends the same values again
// (harmless: HubSpot ends in the same state, and our own change seen again is
// no change, SPEC F4.7).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "hbsync/history/history.hpp"
#include "hbsync/hubspot/api.hpp"
#include "hbsync/hubspot/oauth.hpp"
#include "hbsync/kafka/producer.hpp"
#include "hbsync/links/links.hpp"
#include "hbsync/retry/retry.hpp"
#include "hbsync/tenant/store.hpp"
#include "hbsync/v1/events.pb.h"
#include "outbox.hpp"
#include "state.hpp"

namespace hbsync::writer {

struct FlusherOptions {
  // How soon due tenants are looked for again after a pass that found some.
  std::chrono::milliseconds poll{50};
  // The longest sleep otherwise: the flusher sleeps until the next tenant is
  // due, or until this replica queues a deal; this bounds how late it sees a
  // tenant queued by another replica that stopped before flushing it.
  std::chrono::milliseconds idle_poll{std::chrono::seconds(1)};
  std::chrono::milliseconds lock_lease{std::chrono::seconds(60)};
  std::string commands_topic = "sync.commands";  // the dead letters' source
  std::string dlq_topic = "sync.dlq";
  // Backoff of a tenant whose call failed retryably; never gives up.
  retry::Policy backoff{.max_attempts = 1 << 30,
                        .initial_delay = std::chrono::milliseconds(500),
                        .max_delay = std::chrono::seconds(30),
                        .max_elapsed = std::chrono::hours(24 * 365),
                        .multiplier = 2.0};
};

class DealFlusher {
 public:
  // All references must outlive the flusher.
  DealFlusher(FlusherOptions options, Outbox& outbox, State& state, tenant::Store& store,
              redis::Client& redis, hubspot::Api& hubspot, history::History& history,
              kafka::Producer& producer);

  // The worker: flushes due tenants until stop().
  void run();
  void stop();
  // Ends the current sleep (the outbox calls it when a deal is queued).
  void wake();
  // One pass over the due tenants (the worker's step); returns how long to
  // sleep before the next one.
  std::chrono::milliseconds flush_due();

 private:
  struct Pending {
    Outbox::Entry entry;
    v1::SyncCommand command;
  };
  enum class Sent { done, retry };

  void flush_tenant(const std::string& tenant);
  // Sends `batch` (split in halves on a 400); bookkeeping per deal.
  Sent send(const tenant::Settings& settings, hubspot::Portal& portal, std::vector<Pending>& batch);
  Sent send_split(const tenant::Settings& settings, hubspot::Portal& portal,
                  std::vector<Pending>& batch);
  void updated(const tenant::Settings& settings, const Pending& p);
  void refused(const tenant::Settings& settings, const Pending& p, const std::string& code);
  // The entries as HubSpot inputs; entries that cannot be sent are refused.
  std::vector<Pending> prepare(const tenant::Settings& settings,
                               const std::vector<Outbox::Entry>& entries);

  FlusherOptions options_;
  Outbox& outbox_;
  State& state_;
  tenant::Store& store_;
  hubspot::Api& hubspot_;
  hubspot::OAuth oauth_;
  hubspot::TokenProviders tokens_;
  history::History& history_;
  kafka::Producer& producer_;
  links::Links links_;
  redis::Client& redis_;
  std::map<std::string, retry::Backoff> backoff_;  // per tenant, worker thread only
  std::string owner_;                              // the lease token
  std::mutex mutex_;
  std::condition_variable wake_;
  bool woken_ = false;  // a deal was queued since the last pass (under mutex_)
  std::atomic<bool> stopping_{false};
};

}  // namespace hbsync::writer
