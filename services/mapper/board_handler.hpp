// The board.changes handler (SPEC F4): a linked project's change -> its deal
// link -> the tenant's settings -> board_planner -> sync.commands. Projects
// with no deal link are done with no command (the poller publishes linked
// projects only; a link removed since is no longer synced).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "hbsync/history/history.hpp"
#include "hbsync/hubspot/api.hpp"
#include "hbsync/hubspot/oauth.hpp"
#include "hbsync/kafka/consumer.hpp"
#include "hbsync/kafka/producer.hpp"
#include "hbsync/links/links.hpp"
#include "hbsync/service/pipeline.hpp"
#include "hbsync/tenant/store.hpp"
#include "hbsync/v1/events.pb.h"

namespace hbsync::mapper {

struct BoardHandlerOptions {
  std::string commands_topic = "sync.commands";
  std::string dlq_topic = "sync.dlq";
  size_t history_max = history::kDefaultMaxEntries;  // HBSYNC_HISTORY_MAX
  std::function<std::chrono::system_clock::time_point()> now = [] {
    return std::chrono::system_clock::now();
  };
};

class BoardChangeHandler {
 public:
  // `store` may be null (no HBSYNC_ENCRYPTION_KEYS): changes are retried and
  // finally dead-lettered. All references must outlive the handler.
  BoardChangeHandler(BoardHandlerOptions options, tenant::Store* store, redis::Client& redis,
                     hubspot::Api& hubspot, kafka::Producer& producer);

  // Done once the command (if any) is acknowledged by Kafka, or the change
  // was dead-lettered; retry otherwise.
  kafka::HandlerResult handle(const kafka::Message& message);

 private:
  using Outcome = service::Outcome;
  using Work = service::Work<v1::BoardProjectChange, std::monostate>;
  Outcome apply(Work& work);
  // The deal's pipeline into `pipeline`: the link's, the only mapped one, or
  // HubSpot's (one read, for links from before links kept it).
  Outcome pipeline_of(const tenant::Settings& settings, int64_t deal_id,
                      const links::DealLink& link, std::string& pipeline);

  BoardHandlerOptions options_;
  tenant::Store* store_;
  redis::Client& redis_;
  hubspot::Api& hubspot_;
  hubspot::OAuth oauth_;
  kafka::Producer& producer_;
  links::Links links_;
  history::History history_{redis_, options_.history_max};  // failures (record_failure)
  std::unique_ptr<hubspot::TokenProviders> tokens_;         // null without a store
  service::Pipeline<v1::BoardProjectChange> pipeline_;
};

}  // namespace hbsync::mapper
