// The poller's consumer of sync.requests (SCHEDULED, INTERVAL, SYNC_NOW) on
// the message pipeline (libs/service/pipeline.hpp): one poll run per request
// under the tenant's run lease (redis::Lease with a fencing number, kept
// alive by a LeaseKeeper), with the run status in Redis (hbsync/poll/status.hpp).
//
// - Lease held by another run (a live poller, or one that died until the ttl
//   ends): wait (redelivered after the consumer's backoff, never
//   dead-lettered); the run that then gets it resumes from the watermarks.
// - A request made before the start of the last successful run is covered by
//   it: acknowledged without a run (several requests queued for one tenant
//   cost one run).
// - Run failed: board busy, Kafka down, lease lost: retried (a board failure
//   dead-lettered after the last attempt); credentials refused or the daily
//   budget used up: acknowledged, the status says failed with the code.
// The offset is committed only after the run finished, so a run that dies
// is delivered again.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "hbsync/board/api.hpp"
#include "hbsync/kafka/consumer.hpp"
#include "hbsync/kafka/producer.hpp"
#include "hbsync/links/links.hpp"
#include "hbsync/redis/redis.hpp"
#include "hbsync/service/pipeline.hpp"
#include "hbsync/tenant/store.hpp"
#include "hbsync/v1/events.pb.h"
#include "poll_run.hpp"

namespace hbsync::poller {

struct RequestOptions {
  std::chrono::milliseconds lease_ttl{std::chrono::seconds(60)};
  RunOptions run{};
  std::string changes_topic = "board.changes";
  std::string dlq_topic = "sync.dlq";
};

// The kind of a sync.requests message, for main's dispatch; nullopt when it
// is not a readable SyncRequest (the pipeline dead-letters it).
std::optional<v1::SyncRequest::Kind> request_kind(const kafka::Message& m);
// "scheduled", "interval", "sync_now", "bulk_companies" (labels, status).
std::string kind_name(v1::SyncRequest::Kind kind);

class RequestHandler {
 public:
  // Everything must outlive the handler; `store` may be null (no keys).
  RequestHandler(RequestOptions options, tenant::Store* store, redis::Client& redis,
                 board::Api& board, kafka::Producer& producer, links::Links& links);

  kafka::HandlerResult handle(const kafka::Message& m) { return pipeline_.handle(m); }

 private:
  using Work = service::Work<v1::SyncRequest, std::monostate>;
  service::Outcome apply(Work& work);
  bool publish(std::vector<kafka::OutgoingMessage> messages);

  RequestOptions options_;
  redis::Client& redis_;
  board::Api& board_;
  kafka::Producer& producer_;
  links::Links& links_;
  service::Pipeline<v1::SyncRequest> pipeline_;
};

}  // namespace hbsync::poller
