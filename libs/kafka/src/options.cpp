#include "hbsync/kafka/options.hpp"

#include <stdexcept>

namespace hbsync::kafka {

Topics Topics::load(config::Loader& loader) {
  Topics t;
  t.hubspot_events = loader.str("HBSYNC_TOPIC_HUBSPOT_EVENTS", "hubspot.events",
                                "Topic for verified HubSpot webhook events (ingress -> mapper)");
  t.board_changes = loader.str("HBSYNC_TOPIC_BOARD_CHANGES", "board.changes",
                               "Topic for board changes found by the poller (poller -> mapper)");
  t.sync_commands = loader.str("HBSYNC_TOPIC_SYNC_COMMANDS", "sync.commands",
                               "Topic for sync commands (mapper -> writer)");
  t.sync_requests = loader.str("HBSYNC_TOPIC_SYNC_REQUESTS", "sync.requests",
                               "Topic for sync-now and bulk requests (admin -> poller)");
  t.sync_dlq = loader.str("HBSYNC_TOPIC_SYNC_DLQ", "sync.dlq",
                          "Dead-letter topic for messages that exhausted their retries");
  return t;
}

std::vector<std::string> Topics::all() const {
  return {hubspot_events, board_changes, sync_commands, sync_requests, sync_dlq};
}

ClientOptions ClientOptions::load(config::Loader& loader, std::string client_id) {
  ClientOptions o;
  o.client_id = std::move(client_id);
  o.brokers = loader.str("HBSYNC_KAFKA_BROKERS", o.brokers,
                         "Kafka bootstrap servers, host:port[,host:port...]");
  // secret(): the list may carry sasl.password or ssl key passwords.
  std::string properties =
      loader.secret("HBSYNC_KAFKA_PROPERTIES", "",
                    "Extra librdkafka properties key=value[,key=value...] "
                    "(security.protocol, sasl.*, ssl.*); values are never logged");
  size_t start = 0;
  int item = 0;
  while (start <= properties.size()) {
    size_t comma = properties.find(',', start);
    if (comma == std::string::npos) comma = properties.size();
    std::string entry = properties.substr(start, comma - start);
    start = comma + 1;
    ++item;
    auto first = entry.find_first_not_of(" \t");
    if (first == std::string::npos) continue;
    entry = entry.substr(first, entry.find_last_not_of(" \t") - first + 1);
    auto eq = entry.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw std::invalid_argument("HBSYNC_KAFKA_PROPERTIES: item " + std::to_string(item) +
                                  " is not key=value");
    }
    o.extra[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  return o;
}

}  // namespace hbsync::kafka
