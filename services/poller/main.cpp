// hbsync-poller: Schedules board->HubSpot polls and bulk company syncs.
// The frame consumes its topics; the handler is where the business rules of
// later issues plug in. Until then each readable message is acknowledged as
// handled; an unreadable one is dead-lettered.
#include "bulk_service.hpp"
#include "hbsync/log/log.hpp"
#include "hbsync/service/frame.hpp"
#include "hbsync/service/unreadable.hpp"
#include "hbsync/v1/events.pb.h"

int main(int argc, char** argv) {
  hbsync::service::Frame frame(
      {"poller", "Schedules board->HubSpot polls and bulk company syncs", 8084}, argc, argv);
  hbsync::poller::BulkService bulk(frame);
  frame.add_consumer({frame.topics().sync_requests}, [&](const hbsync::kafka::Message& m) {
    hbsync::v1::SyncRequest request;
    if (!request.ParseFromArray(m.value.data(), static_cast<int>(m.value.size())) ||
        request.tenant_id().empty()) {
      return hbsync::service::dead_letter_unreadable(
          frame.producer(), frame.topics().sync_dlq, m,
          {.code = "unreadable_request", .message = "not a hbsync.v1.SyncRequest"});
    }
    if (request.kind() == hbsync::v1::SyncRequest::BULK_COMPANIES) return bulk.handle(request, m);
    hbsync::log::debug("message handled",
                       {{"topic", m.topic}, {"partition", m.partition}, {"offset", m.offset}});
    return hbsync::kafka::HandlerResult::done;
  });
  frame.configured();
  bulk.start();
  return frame.run();
}
