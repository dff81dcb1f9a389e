// hbsync-mapper: Turns HubSpot events and board changes into sync commands.
// The frame consumes its topics; the handler is where the business rules of
// later issues plug in. Until then each message is acknowledged as handled.
#include "hbsync/log/log.hpp"
#include "hbsync/service/frame.hpp"

int main(int argc, char** argv) {
  hbsync::service::Frame frame(
      {"mapper", "Turns HubSpot events and board changes into sync commands", 8082}, argc, argv);
  frame.add_consumer({frame.topics().hubspot_events, frame.topics().board_changes},
                     [](const hbsync::kafka::Message& m) {
                       hbsync::log::debug(
                           "message handled",
                           {{"topic", m.topic}, {"partition", m.partition}, {"offset", m.offset}});
                       return hbsync::kafka::HandlerResult::done;
                     });
  frame.configured();
  return frame.run();
}
