// hbsync-poller: the board -> HubSpot schedule and polls (SPEC F4.1, F4.2,
// F4.6): a scheduler worker publishes each tenant's due runs to
// sync.requests (scheduler.hpp); the consumer runs each request under the
// tenant's run lease and publishes board.changes (requests.hpp,
// poll_run.hpp).
#include <memory>

#include "hbsync/board/api.hpp"
#include "hbsync/http/client.hpp"
#include "hbsync/links/links.hpp"
#include "hbsync/service/frame.hpp"
#include "hbsync/tenant/crypto.hpp"
#include "hbsync/tenant/store.hpp"
#include "options.hpp"
#include "requests.hpp"
#include "scheduler.hpp"

int main(int argc, char** argv) {
  using namespace hbsync;
  service::Frame frame({"poller", "Schedules board->HubSpot polls and bulk company syncs", 8084},
                       argc, argv);
  auto board_options = board::Options::load(frame.config());
  auto keyring = tenant::Keyring::load(frame.config());
  auto options = poller::PollerOptions::load(frame.config());

  std::unique_ptr<poller::RequestHandler> polls;
  frame.add_consumer({frame.topics().sync_requests}, [&](const kafka::Message& m) {
    // ---- F5 bulk company sync: dispatch BULK_COMPANIES here, e.g.
    // if (poller::request_kind(m) == v1::SyncRequest::BULK_COMPANIES) return bulk->handle(m);
    return polls->handle(m);
  });
  frame.configured();

  options.requests.changes_topic = frame.topics().board_changes;
  options.requests.dlq_topic = frame.topics().sync_dlq;
  http::Client http;
  board::Api board_api(board_options, http, frame.redis());
  tenant::Store store(frame.redis(), keyring);
  links::Links links(frame.redis());
  polls = std::make_unique<poller::RequestHandler>(options.requests, &store, frame.redis(),
                                                   board_api, frame.producer(), links);
  poller::Scheduler scheduler(frame.redis(), store, [&frame](const v1::SyncRequest& r) {
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
