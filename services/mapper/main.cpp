// hbsync-mapper: turns HubSpot events (hints) into sync commands: re-reads the
// deal from HubSpot, applies the tenant's rules (planner.hpp) and publishes
// to sync.commands; and board changes of linked projects (board.changes, F4)
// into deal updates (board_planner.hpp).
#include <memory>

#include "board_handler.hpp"
#include "handler.hpp"
#include "hbsync/board/api.hpp"
#include "hbsync/http/client.hpp"
#include "hbsync/hubspot/api.hpp"
#include "hbsync/log/log.hpp"
#include "hbsync/service/frame.hpp"
#include "hbsync/tenant/crypto.hpp"
#include "hbsync/tenant/store.hpp"

int main(int argc, char** argv) {
  using namespace hbsync;
  service::Frame frame(
      {"mapper", "Turns HubSpot events and board changes into sync commands", 8082}, argc, argv);
  auto& config = frame.config();
  auto hubspot_options = hubspot::Options::load(config);
  auto board_options = board::Options::load(config);
  // Optional here: without keys the mapper still runs,
  // but cannot read tenants; their events are retried, then dead-lettered.
  tenant::Keyring keyring = tenant::Keyring::load(config, tenant::Keyring::Need::optional);
  mapper::HandlerOptions options;
  options.cache_ttl = config.duration("HBSYNC_MAPPER_CACHE_TTL", "10m",
                                      "How long HubSpot owner e-mails are cached per tenant");
  options.users_max_age =
      config.duration("HBSYNC_MAPPER_USERS_MAX_AGE", "24h",
                      "Board users stored in Redis are read again from board when older than this");
  options.users_miss_refresh = config.duration(
      "HBSYNC_MAPPER_USERS_MISS_REFRESH", "30m",
      "A deal owner's e-mail with no board user reads the users again when the stored list "
      "is older than this (picks up new board users)");
  options.history_max = history::load_max_entries(config);

  const int64_t concurrency = config.integer(
      "HBSYNC_MAPPER_CONCURRENCY", 1,
      "Consumers per process (each a member of the group, one message at a time): a tenant "
      "whose HubSpot or board answers slowly holds up only its consumer's partitions",
      1, 64);

  std::unique_ptr<mapper::EventHandler> handler;
  std::unique_ptr<mapper::BoardChangeHandler> board_handler;
  const std::string events_topic = frame.topics().hubspot_events;
  for (int64_t i = 0; i < concurrency; ++i) {
    frame.add_consumer({frame.topics().hubspot_events, frame.topics().board_changes},
                       [&handler, &board_handler, events_topic](const kafka::Message& m) {
                         if (m.topic == events_topic) return handler->handle(m);
                         return board_handler->handle(m);
                       });
  }
  frame.configured();
  if (keyring.empty()) log::warn("HBSYNC_ENCRYPTION_KEYS is not set: tenants cannot be read");

  options.commands_topic = frame.topics().sync_commands;
  options.dlq_topic = frame.topics().sync_dlq;
  http::Client http;
  hubspot::Api hubspot_api(hubspot_options, http, frame.redis());
  board::Api board_api(board_options, http, frame.redis());
  std::unique_ptr<tenant::Store> store;
  if (!keyring.empty()) store = std::make_unique<tenant::Store>(frame.redis(), keyring);
  handler = std::make_unique<mapper::EventHandler>(options, store.get(), frame.redis(), hubspot_api,
                                                   board_api, frame.producer());
  board_handler = std::make_unique<mapper::BoardChangeHandler>(
      mapper::BoardHandlerOptions{.commands_topic = options.commands_topic,
                                  .dlq_topic = options.dlq_topic,
                                  .history_max = options.history_max,
                                  .now = options.now},
      store.get(), frame.redis(), hubspot_api, frame.producer());
  return frame.run();
}
