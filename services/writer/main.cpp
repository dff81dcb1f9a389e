// hbsync-writer: Applies sync commands to board and HubSpot.
// The frame consumes its topics; the handler is where the business rules of
// later issues plug in. Until then each message is acknowledged as handled.
#include "hbsync/log/log.hpp"
#include "hbsync/service/frame.hpp"

int main(int argc, char** argv) {
  hbsync::service::Frame frame({"writer", "Applies sync commands to board and HubSpot", 8083}, argc,
                               argv);
  frame.add_consumer({frame.topics().sync_commands}, [](const hbsync::kafka::Message& m) {
    hbsync::log::debug("message handled",
                       {{"topic", m.topic}, {"partition", m.partition}, {"offset", m.offset}});
    return hbsync::kafka::HandlerResult::done;
  });
  frame.configured();
  return frame.run();
}
