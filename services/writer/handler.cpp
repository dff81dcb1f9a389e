// The writer's exactly-once core: claim the command, run its use case
// (dispatch) behind the lease keeper's fence, then complete, release (retry)
// or fail (dead letter) the claim. The use cases are in use_case_*.cpp.
#include "handler.hpp"

#include <prometheus/counter.h>
#include <unistd.h>

#include <random>
#include <sstream>
#include <thread>

#include "hbsync/log/log.hpp"
#include "hbsync/metrics/metrics.hpp"
#include "hbsync/service/commands.hpp"
#include "job.hpp"
#include "lease_keeper.hpp"

namespace hbsync::writer {
namespace {

prometheus::Family<prometheus::Counter>& commands_total() {
  static auto& family = prometheus::BuildCounter()
                            .Name("hbsync_writer_commands_total")
                            .Help(
                                "Sync commands handled by the writer, by action and result "
                                "(applied, duplicate, retried, dead_lettered)")
                            .Register(metrics::registry());
  return family;
}

void count(std::string_view action, std::string_view result) {
  commands_total()
      .Add({{"action", std::string(action)}, {"result", std::string(result)}})
      .Increment();
}

// Who holds a claim: this process and consumer thread.
const std::string& owner_id() {
  static const std::string process = [] {
    std::random_device rd;
    std::stringstream s;
    s << std::hex << rd() << rd();
    return s.str();
  }();
  thread_local const std::string owner = [] {
    std::stringstream s;
    s << process << "/" << ::getpid() << "/" << std::this_thread::get_id();
    return s.str();
  }();
  return owner;
}

void record_entry(history::History& history, const tenant::Settings& settings,
                  const v1::SyncCommand& command, const kafka::Message& m, history::Entry entry) {
  if (entry.direction.empty()) entry.direction = std::string(history::direction::hubspot_to_board);
  entry.attempts = m.attempt;
  entry.command_id = command.command_id();
  history.record(settings.tenant_id, entry);
}

}  // namespace

void Job::record(history::Entry entry) {
  record_entry(history, settings, command, message, std::move(entry));
}

Outcome dispatch(Job& job) {
  const auto& c = job.command;
  switch (c.action_case()) {
    case v1::SyncCommand::kSyncDeal:
      return sync_deal(job);
    case v1::SyncCommand::kRecordSkip:
      return record_skip(job);
    case v1::SyncCommand::kDeactivateDeal:
      return deactivate(job, c.deactivate_deal().deal_id(), "deal_deleted");
    case v1::SyncCommand::kRepointLinks:
      return repoint(job);
    case v1::SyncCommand::kUpdateDeal:
      return update_deal(job);
    default:
      return failed(
          Reason::unsupported_command,
          "command " + std::string(service::command_kind(c)) + " is not supported by this writer");
  }
}

CommandHandler::CommandHandler(HandlerOptions options, tenant::Store& store, State& state,
                               history::History& history, redis::Client& redis,
                               hubspot::Api& hubspot, board::Api& board, kafka::Producer& producer,
                               Outbox& outbox)
    : options_(std::move(options)),
      store_(store),
      state_(state),
      links_(redis),
      outbox_(outbox),
      history_(history),
      hubspot_(hubspot),
      oauth_(hubspot),
      tokens_(oauth_, store, redis),
      board_(board),
      producer_(producer),
      pipeline_(
          {.dlq_topic = options_.dlq_topic,
           .noun = "command",
           .unreadable = {.code = "unreadable_command", .message = "not a hbsync.v1.SyncCommand"},
           // Never dead-lettered for these: the tenants are re-applied,
           // and the lease of a claim runs out by itself.
           .lost_state_waits = true,
           .exceptions_wait = true,
           .ledger = service::DeadLetterLedger(redis),
           .now = options_.now},
          &store_, producer_,
          {.tenant_of =
               [](const v1::SyncCommand& c) {
                 return c.command_id().empty() ? std::string() : c.tenant_id();
               },
           .apply = [this](Work& work) { return apply(work); },
           .settle = [this](Work& work, const service::Settled& s) { settle(work, s); }}) {}

kafka::HandlerResult CommandHandler::handle(const kafka::Message& m) {
  return pipeline_.handle(m);
}

Outcome CommandHandler::apply(Work& work) {
  const v1::SyncCommand& command = work.payload;
  const bool replay = work.message.header(kafka::kReplayHeader).has_value();
  const Claim claim = state_.claim(command.command_id(), owner_id(), replay);
  switch (claim.state) {
    case Claim::State::claimed:
      break;
    case Claim::State::failed:
      // Dead-lettered earlier: a repeat would fail the same way. An operator
      // replays it (hbsync-ctl dlq replay) once the cause is fixed.
      log::info("command failed earlier; waiting for a replay",
                {{"command_id", command.command_id()}, {"outcome", claim.outcome}});
      return applied(Reason::failed_earlier);
    case Claim::State::done:
      log::info("command already applied",
                {{"command_id", command.command_id()}, {"outcome", claim.outcome}});
      return applied(Reason::duplicate);
    case Claim::State::busy:
      // Another writer holds it (or crashed holding it): never dead-letter
      // for that, just come back after the lease.
      log::info("command held by another writer",
                {{"command_id", command.command_id()}, {"retry_in_ms", claim.retry_in_ms}});
      return wait(Reason::claim_busy, "held by another writer");
  }
  work.local.held = true;
  return run(*work.settings, command, work.message, owner_id(), work.local);
}

// The command's use case, with its claim (and company lock) kept alive and
// every API call fenced; the keeper has stopped when this returns.
Outcome CommandHandler::run(const tenant::Settings& settings, const v1::SyncCommand& command,
                            const kafka::Message& m, const std::string& owner, Claimed& local) {
  LeaseKeeper keeper(state_, command.command_id(), owner, options_.renew_every);
  Job job{.settings = settings,
          .command = command,
          .message = m,
          .owner = owner,
          .board = FencedBoard(
              board_.account(settings.tenant_id, {.api_key = settings.board.api_key,
                                                  .api_token = settings.board.api_token}),
              keeper),
          .hubspot = FencedHubSpot(
              hubspot_.portal(settings.tenant_id, tokens_.for_tenant(settings.tenant_id)), keeper),
          .keeper = keeper,
          .state = state_,
          .links = links_,
          .outbox = outbox_,
          .history = history_,
          .keyring = store_.keyring(),
          .lock_wait = options_.lock_wait};
  try {
    Outcome outcome = dispatch(job);
    local.first_deal = job.first_deal;
    return outcome;
  } catch (const ClaimLost& lost) {
    // A claim taken over by another writer is that writer's to finish: come
    // back later (it will be done), never dead-letter it from here.
    return wait(Reason::claim_lost, lost.what());
  }
}

// The claim by the final outcome, and the metric of every command.
void CommandHandler::settle(Work& work, const service::Settled& settled) {
  const v1::SyncCommand& command = work.payload;
  const std::string_view name = service::command_kind(command);
  const Outcome& outcome = settled.outcome;
  const bool retried = outcome.kind == Outcome::retry || outcome.kind == Outcome::wait;
  if (!work.local.held) {
    if (outcome.reason == Reason::duplicate) count(name, "duplicate");
    if (outcome.reason == Reason::failed_earlier) count(name, "failed_earlier");
    if (outcome.reason == Reason::claim_busy) count(name, "busy");
    if (outcome.reason == Reason::unknown_tenant && settled.dead_lettered) {
      count(name, "unknown_tenant");
    } else if (retried && outcome.reason != Reason::claim_busy) {
      count(name, "retried");
    }
    return;
  }
  const std::string& id = command.command_id();
  try {
    if (settled.dead_lettered) return fail(work, settled);
    if (retried) {
      state_.release(id, owner_id());
      count(name, "retried");
      return;
    }
    state_.complete(id, owner_id(), outcome.reason == Reason::none ? "ok" : outcome.code());
    count(name, "applied");
    observe_applied(work);
    log::info("command applied", {{"command_id", id}, {"action", name}});
  } catch (const std::exception&) {
    try {
      state_.release(id, owner_id());
    } catch (const std::exception&) {
      // The lease runs out by itself.
    }
    count(name, "retried");
    throw;
  }
}

void CommandHandler::observe_applied(const Work& work) {
  // board -> HubSpot is applied when the flusher's batch call wrote the
  // deal; an operator's replay is no sync latency.
  if (!work.payload.has_sync_deal() || work.message.header(kafka::kReplayHeader)) return;
  observe_sync_latency(history::direction::hubspot_to_board, work.local.first_deal,
                       work.payload.origin_at_ms(), options_.now());
}

// Dead-lettered: the claim marked failed so `hbsync-ctl dlq replay` applies
// it once the cause is fixed; a `failed` history entry and the count, unless
// the dead letter was published on an earlier delivery (which did those).
void CommandHandler::fail(Work& work, const service::Settled& settled) {
  const v1::SyncCommand& command = work.payload;
  const Outcome& outcome = settled.outcome;
  if (!settled.repeated) {
    record_entry(
        history_, *work.settings, command, work.message,
        {.direction = command.has_update_deal() ? std::string(history::direction::board_to_hubspot)
                                                : std::string(),
         .action = std::string(history::action::failed),
         .deal_id = command.has_sync_deal()     ? command.sync_deal().deal_id()
                    : command.has_update_deal() ? command.update_deal().deal_id()
                                                : 0,
         .reason_code = outcome.code(),
         .message = outcome.message,
         .dead_letter = settled.dead_letter_id});
  }
  state_.fail(command.command_id(), owner_id(), outcome.code());
  if (!settled.repeated) count(service::command_kind(command), "dead_lettered");
}

}  // namespace hbsync::writer
