// The hubspot.events handler: event -> (tenant, HubSpot re-read, caches) ->
// planner -> sync.commands. All I/O of the mapper's F3 path lives here; the
// decisions are planner.hpp's.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cache.hpp"
#include "event_batch.hpp"
#include "hbsync/board/api.hpp"
#include "hbsync/domain/owner.hpp"
#include "hbsync/history/history.hpp"
#include "hbsync/hubspot/api.hpp"
#include "hbsync/hubspot/oauth.hpp"
#include "hbsync/kafka/consumer.hpp"
#include "hbsync/kafka/options.hpp"
#include "hbsync/kafka/producer.hpp"
#include "hbsync/service/pipeline.hpp"
#include "hbsync/tenant/store.hpp"
#include "planner.hpp"

namespace hbsync::mapper {

struct HandlerOptions {
  std::chrono::milliseconds cache_ttl{std::chrono::minutes(10)};  // HBSYNC_MAPPER_CACHE_TTL
  // The tenant's board users come from Redis (tenant/board_users.hpp, stored
  // when the tenant is applied) and are read again from board (GET /v1/users)
  // when none are stored, when the stored list is older than users_max_age,
  // or when a deal owner's e-mail matches no valid user and the list is older
  // than users_miss_refresh (so a new board user is picked up within that
  // long, at most one call per tenant per interval for owners with no user).
  std::chrono::milliseconds users_max_age{std::chrono::hours(24)};  // HBSYNC_MAPPER_USERS_MAX_AGE
  std::chrono::milliseconds users_miss_refresh{
      std::chrono::minutes(30)};  // HBSYNC_MAPPER_USERS_MISS_REFRESH
  std::string commands_topic = "sync.commands";
  std::string dlq_topic = "sync.dlq";
  size_t history_max = history::kDefaultMaxEntries;  // HBSYNC_HISTORY_MAX
  std::function<std::chrono::system_clock::time_point()> now = [] {
    return std::chrono::system_clock::now();
  };
};

class EventHandler {
 public:
  // `store` may be null (no HBSYNC_ENCRYPTION_KEYS): tenants cannot be read
  // then, and their events are retried and finally dead-lettered. All
  // references must outlive the handler.
  EventHandler(HandlerOptions options, tenant::Store* store, redis::Client& redis,
               hubspot::Api& hubspot, board::Api& board, kafka::Producer& producer);

  // hubspot.events: done once the resulting command (if any) is acknowledged
  // by Kafka, or the message was dead-lettered; retry otherwise. A batch
  // (HubSpotEventBatch) event by event, each as if it came alone
  // (event_batch.hpp).
  kafka::HandlerResult handle(const kafka::Message& message);

 private:
  using Outcome = service::Outcome;
  using Pipeline = service::Pipeline<v1::HubSpotEvent>;
  // The pipeline's apply step: a wanted event of a known tenant.
  Outcome apply(service::Work<v1::HubSpotEvent, std::monostate>& work);
  // `replay`: the hbsync-replay header of the event ("" when none): the
  // deal is re-read even if an earlier read covered the event, and the
  // header is passed on to the command.
  Outcome reread_and_plan(const tenant::Settings& settings, const v1::HubSpotEvent& event,
                          const std::string& replay);
  // Publishes the command of `event` (its received_at as the command's origin).
  Outcome publish(v1::SyncCommand command, const v1::HubSpotEvent& event,
                  const std::string& replay);
  // reread_and_plan's steps. The deal's companies into `snap` (from the
  // deal's v3 associations, else HubSpot's v4 list).
  Outcome read_companies(hubspot::Portal& portal, const hubspot::Deal& deal, DealSnapshot& snap);
  // For a deal that will be synced: its owner's e-mail into `snap` and the
  // board users to resolve it against into `users`.
  Outcome resolve_owner(const tenant::Settings& settings, hubspot::Portal& portal,
                        const hubspot::Deal& deal, DealSnapshot& snap,
                        std::vector<domain::BoardUser>& users);
  // The owner's e-mail ("" when unknown, archived or unreadable for good),
  // cached per tenant in owners_; retry when HubSpot is unavailable.
  Outcome owner_email(const std::string& tenant_id, hubspot::Portal& portal,
                      const std::string& owner_id, std::string& email);
  // Plans the deal's command (deal name sealed) and publishes it.
  Outcome publish_deal(const tenant::Settings& settings, const hubspot::Deal& deal,
                       const DealSnapshot& snap, const std::vector<domain::BoardUser>& users,
                       const v1::HubSpotEvent& event, const std::string& replay);
  // The board users to resolve `owner_email` against (rules at
  // HandlerOptions::users_max_age); retry when board must be asked and is
  // unavailable with nothing stored.
  Outcome board_users(const tenant::Settings& settings, const std::string& owner_email,
                      std::vector<domain::BoardUser>& users);

  hubspot::TokenSource& tokens_for(const std::string& tenant_id);
  // The history entry of a dead-lettered event: its deal or company.
  static history::Entry failure_entry(const v1::HubSpotEvent& event);

  HandlerOptions options_;
  tenant::Store* store_;
  redis::Client& redis_;
  hubspot::Api& hubspot_;
  hubspot::OAuth oauth_;
  board::Api& board_;
  kafka::Producer& producer_;
  history::History history_{redis_, options_.history_max};  // failures (record_failure)

  std::unique_ptr<hubspot::TokenProviders> tokens_;  // null without a store
  // "<tenant>:<owner id>" -> e-mail ("" when the owner is unknown).
  TtlCache<std::string, std::string> owners_;
  // "<tenant>:<deal id>" -> the deal's updatedAt (HubSpot's clock) in the
  // last read that was published. An event that occurred at or before it was
  // already seen by that read (the read came after the deal's last change,
  // hence after the event): no second read. A deal created with its
  // properties and companies sends half a dozen events; one read covers them.
  TtlCache<std::string, int64_t> read_revisions_;
  Pipeline pipeline_;     // its steps call the members above
  BatchHandler batches_;  // last: hands each event to pipeline_
};

}  // namespace hbsync::mapper
