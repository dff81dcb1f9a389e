// hbsync-ingress: receives HubSpot webhooks, verifies them and publishes each
// event to hubspot.events, answering only after Kafka acknowledged them.
// (The webhook route arrives with the HubSpot->board issue.)
#include "hbsync/service/frame.hpp"

int main(int argc, char** argv) {
  hbsync::service::Frame frame(
      {"ingress", "HubSpot webhooks in, verified events out to Kafka", 8081}, argc, argv);
  frame.configured();
  return frame.run();
}
