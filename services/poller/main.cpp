// hbsync-poller: the board -> HubSpot schedule and polls (SPEC F4.1, F4.2,
// F4.6) and the bulk company sync (F5): a scheduler worker publishes each
// tenant's due runs to sync.requests (scheduler.hpp); the consumer runs each
// request under the tenant's run lease and publishes board.changes
// (requests.hpp, poll_run.hpp), or runs a bulk company sync
// (bulk_service.hpp, bulk_companies.hpp).
#include <memory>

#include "bulk_service.hpp"
#include "hbsync/links/links.hpp"
#include "hbsync/service/frame.hpp"
#include "options.hpp"
#include "requests.hpp"
#include "scheduler.hpp"

int main(int argc, char** argv) {
  using namespace hbsync;
  service::Frame frame({"poller", "Schedules board->HubSpot polls and bulk company syncs", 8084},
                       argc, argv);
  poller::BulkService bulk(frame);  // declares the HubSpot, board and keyring variables
  auto options = poller::PollerOptions::load(frame.config());

  std::unique_ptr<poller::RequestHandler> polls;
  frame.add_consumer({frame.topics().sync_requests}, [&](const kafka::Message& m) {
    // A bulk company sync, else a poll (the poll pipeline also dead-letters
    // what is not a readable request of a tenant).
    v1::SyncRequest request;
    if (request.ParseFromArray(m.value.data(), static_cast<int>(m.value.size())) &&
        request.kind() == v1::SyncRequest::BULK_COMPANIES && !request.tenant_id().empty()) {
      return bulk.handle(request, m);
    }
    return polls->handle(m);
  });
  frame.configured();
  bulk.start();

  options.requests.changes_topic = frame.topics().board_changes;
  options.requests.dlq_topic = frame.topics().sync_dlq;
  links::Links links(frame.redis());
  polls = std::make_unique<poller::RequestHandler>(options.requests, &bulk.store(), frame.redis(),
                                                   bulk.board(), frame.producer(), links);
  poller::Scheduler scheduler(frame.redis(), bulk.store(), [&frame](const v1::SyncRequest& r) {
    return frame.producer()
        .produce_sync({.topic = frame.topics().sync_requests,
                       .key = r.tenant_id(),
                       .value = r.SerializeAsString(),
                       .headers = {},
                       .correlation_id = r.request_id()})
        .ok;
  });
  frame.add_worker(
      "scheduler", [&] { scheduler.run(options.tick); }, [&] { scheduler.stop(); });
  return frame.run();
}
