// The sync.commands handler: claim the command's idempotency key, apply it to
// board and HubSpot, record links and history, and dead-letter what cannot be
// applied (SPEC F3.3-F3.7, F7, section 3 Reliability).
//
// Outcomes of one delivery:
// - applied (or found already applied: a duplicate) -> done;
// - a retryable failure (429 after the limiter's wait, 5xx, network, Redis,
//   a company locked by another writer, a claim held by a live writer) ->
//   the claim is released and Kafka delivers the command again after a
//   backoff; after the consumer's last attempt it is dead-lettered;
// - a permanent failure (4xx other than 429, data board cannot take) ->
//   dead letter on sync.dlq, a `failed` history entry, and the claim marked
//   failed so `hbsync-ctl dlq replay` can apply it once the cause is fixed.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "hbsync/board/api.hpp"
#include "hbsync/history/history.hpp"
#include "hbsync/hubspot/api.hpp"
#include "hbsync/hubspot/oauth.hpp"
#include "hbsync/kafka/consumer.hpp"
#include "hbsync/kafka/producer.hpp"
#include "hbsync/links/links.hpp"
#include "hbsync/service/pipeline.hpp"
#include "hbsync/tenant/store.hpp"
#include "hbsync/v1/events.pb.h"
#include "outbox.hpp"
#include "outcome.hpp"
#include "state.hpp"
#include "sync_latency.hpp"

namespace hbsync::writer {

struct HandlerOptions {
  std::string dlq_topic = "sync.dlq";
  // How long a command waits for another writer to finish creating the same
  // company's client before it is retried later.
  std::chrono::milliseconds lock_wait{std::chrono::seconds(20)};
  // How often a claim (and a held company lock) is renewed while its command
  // is worked on: a third of the shorter lease. Work stops (retried later)
  // when no renewal succeeded for two of these.
  std::chrono::milliseconds renew_every{std::chrono::seconds(20)};
  std::function<std::chrono::system_clock::time_point()> now = [] {
    return std::chrono::system_clock::now();
  };
};

class CommandHandler {
 public:
  // All references must outlive the handler. Thread-safe: one handler serves
  // every consumer of the process.
  CommandHandler(HandlerOptions options, tenant::Store& store, State& state,
                 history::History& history, redis::Client& redis, hubspot::Api& hubspot,
                 board::Api& board, kafka::Producer& producer, Outbox& outbox);

  kafka::HandlerResult handle(const kafka::Message& message);

 private:
  // Per message: whether this writer holds the command's claim.
  struct Claimed {
    bool held = false;
    FirstDeal first_deal = FirstDeal::no;  // the use case's, for the sync latency
  };
  using Work = service::Work<v1::SyncCommand, Claimed>;

  // The pipeline's steps: claim and run the use case; then complete,
  // release or fail the claim by the final outcome.
  Outcome apply(Work& work);
  void settle(Work& work, const service::Settled& settled);
  Outcome run(const tenant::Settings& settings, const v1::SyncCommand& command,
              const kafka::Message& m, const std::string& owner, Claimed& local);
  // The sync latency of an applied command that synced a deal to board.
  void observe_applied(const Work& work);
  void fail(Work& work, const service::Settled& settled);

  HandlerOptions options_;
  tenant::Store& store_;
  State& state_;
  links::Links links_;
  Outbox& outbox_;
  history::History& history_;
  hubspot::Api& hubspot_;
  hubspot::OAuth oauth_;
  hubspot::TokenProviders tokens_;
  board::Api& board_;
  kafka::Producer& producer_;
  service::Pipeline<v1::SyncCommand, Claimed> pipeline_;  // last: its steps use the above
};

}  // namespace hbsync::writer
