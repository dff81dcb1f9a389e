// hbsync-writer: applies sync commands (sync.commands) to board and HubSpot
// with idempotency claims, the shared rate limits and the one retry policy;
// records links and history in Redis; dead-letters to sync.dlq what cannot be
// applied; sends board -> HubSpot deal updates in batch calls (outbox.hpp,
// flusher.hpp). See handler.hpp and state.hpp.
#include <algorithm>
#include <memory>

#include "flusher.hpp"
#include "handler.hpp"
#include "hbsync/board/api.hpp"
#include "hbsync/history/history.hpp"
#include "hbsync/http/client.hpp"
#include "hbsync/hubspot/api.hpp"
#include "hbsync/service/frame.hpp"
#include "hbsync/tenant/crypto.hpp"
#include "hbsync/tenant/store.hpp"
#include "outbox.hpp"
#include "state.hpp"

namespace {

// The deal outbox and its flusher (board -> HubSpot batch calls).
hbsync::writer::Outbox::Options deal_batch_options(hbsync::config::Loader& config,
                                                   const hbsync::writer::State::Options& state,
                                                   hbsync::writer::FlusherOptions& flusher) {
  hbsync::writer::Outbox::Options outbox;
  outbox.linger = config.duration(
      "HBSYNC_WRITER_DEAL_BATCH_LINGER", "500ms",
      "How long a board -> HubSpot deal update waits for others of its tenant before the batch "
      "call (sent at once when 100 are waiting)");
  flusher.poll =
      std::clamp(outbox.linger / 4, std::chrono::milliseconds(10), std::chrono::milliseconds(100));
  flusher.idle_poll = config.duration(
      "HBSYNC_WRITER_DEAL_BATCH_IDLE_POLL", "1s",
      "The longest a writer's deal flusher sleeps: it wakes when the next tenant's batch is due "
      "or this writer queues a deal; this bounds how late it finds a batch another writer left "
      "behind");
  flusher.lock_lease = state.lock_lease;
  return outbox;
}

// The writer's own variables (the claim, lock and history settings).
struct WriterConfig {
  hbsync::writer::State::Options state;
  hbsync::writer::HandlerOptions handler;
  int64_t concurrency = 2;
  size_t history_max = hbsync::history::kDefaultMaxEntries;
};

WriterConfig load_writer_config(hbsync::config::Loader& config) {
  using namespace hbsync;
  WriterConfig c;
  c.concurrency = config.integer(
      "HBSYNC_WRITER_CONCURRENCY", 2,
      "Consumers per process (each a member of the group, one message at a time)", 1, 64);
  c.state.claim_lease = config.duration(
      "HBSYNC_WRITER_CLAIM_TTL", "60s",
      "Lease of a claimed command, renewed before every API call: how soon a command held by a "
      "writer that died is taken over");
  c.state.idempotency_ttl =
      config.duration("HBSYNC_WRITER_IDEMPOTENCY_TTL", "7d",
                      "How long an applied command id is remembered (duplicates within it are "
                      "dropped)");
  c.state.lock_lease = config.duration(
      "HBSYNC_WRITER_LOCK_TTL", "60s",
      "Lease of a company lock (find-or-create of its board client) left by a writer that died");
  c.handler.lock_wait =
      config.duration("HBSYNC_WRITER_LOCK_WAIT", "20s",
                      "How long a command waits for another writer linking the same company "
                      "before it is retried later");
  c.handler.renew_every = std::max(std::chrono::milliseconds(100),
                                   std::min(c.state.claim_lease, c.state.lock_lease) / 3);
  c.history_max = hbsync::history::load_max_entries(config);

  return c;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace hbsync;
  service::Frame frame({"writer", "Applies sync commands to board and HubSpot", 8083}, argc, argv);
  auto& config = frame.config();
  auto hubspot_options = hubspot::Options::load(config);
  auto board_options = board::Options::load(config);
  auto keyring = tenant::Keyring::load(config);
  const WriterConfig c = load_writer_config(config);
  const auto& state_options = c.state;
  auto options = c.handler;
  const int64_t concurrency = c.concurrency;

  writer::FlusherOptions flusher_options;
  const auto outbox_options = deal_batch_options(config, state_options, flusher_options);

  std::unique_ptr<writer::CommandHandler> handler;
  std::unique_ptr<writer::DealFlusher> flusher;
  frame.add_worker(
      "deal-flusher", [&flusher] { flusher->run(); }, [&flusher] { flusher->stop(); });
  for (int64_t i = 0; i < concurrency; ++i) {
    frame.add_consumer({frame.topics().sync_commands},
                       [&handler](const kafka::Message& m) { return handler->handle(m); });
  }
  frame.configured();

  options.dlq_topic = frame.topics().sync_dlq;
  http::Client http;
  hubspot::Api hubspot_api(hubspot_options, http, frame.redis());
  board::Api board_api(board_options, http, frame.redis());
  tenant::Store store(frame.redis(), keyring);
  writer::State state(frame.redis(), state_options);
  history::History history(frame.redis(), c.history_max);
  writer::Outbox outbox(frame.redis(), outbox_options);
  handler =
      std::make_unique<writer::CommandHandler>(options, store, state, history, frame.redis(),
                                               hubspot_api, board_api, frame.producer(), outbox);
  flusher_options.commands_topic = frame.topics().sync_commands;
  flusher_options.dlq_topic = frame.topics().sync_dlq;
  flusher = std::make_unique<writer::DealFlusher>(
      flusher_options, outbox, state, store, frame.redis(), hubspot_api, history, frame.producer());
  return frame.run();
}
