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
#include "hbsync/service/dead_letter.hpp"
#include "hbsync/service/unreadable.hpp"
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

kafka::HandlerResult handled(const kafka::Message& m) {
  log::debug("message handled",
             {{"topic", m.topic}, {"partition", m.partition}, {"offset", m.offset}});
  return kafka::HandlerResult::done;
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
    default:
      return failed(
          Reason::unsupported_command,
          "command " + std::string(service::command_kind(c)) + " is not supported by this writer");
  }
}

CommandHandler::CommandHandler(HandlerOptions options, tenant::Store& store, State& state,
                               history::History& history, redis::Client& redis,
                               hubspot::Api& hubspot, board::Api& board, kafka::Producer& producer)
    : options_(std::move(options)),
      store_(store),
      state_(state),
      history_(history),
      hubspot_(hubspot),
      oauth_(hubspot),
      tokens_(oauth_, store, redis),
      board_(board),
      producer_(producer) {}

kafka::HandlerResult CommandHandler::handle(const kafka::Message& m) {
  v1::SyncCommand command;
  if (!command.ParseFromArray(m.value.data(), static_cast<int>(m.value.size())) ||
      command.tenant_id().empty() || command.command_id().empty()) {
    return service::dead_letter_unreadable(
        producer_, options_.dlq_topic, m,
        {.code = "unreadable_command", .message = "not a hbsync.v1.SyncCommand"});
  }
  log::Scope scope(command.tenant_id(), m.correlation_id);
  const std::string& owner = owner_id();
  std::optional<Claim> claim;
  try {
    auto settings = store_.get(command.tenant_id());
    if (!settings) return unknown_tenant(m, command);
    claim = state_.claim(command.command_id(), owner, m.header(kafka::kReplayHeader).has_value());
    if (auto result = not_claimed(*claim, command)) {
      return *result == kafka::HandlerResult::done ? handled(m) : *result;
    }
    return finish(run(*settings, command, m, owner), *settings, command, m, owner);
  } catch (const std::exception& e) {
    if (dynamic_cast<const redis::Error*>(&e) != nullptr) {
      log::error("redis call failed", {{"command_id", command.command_id()},
                                       {"reason_code", "redis_error"},
                                       {"error", e.what()}});
    } else {
      log::warn("command handling failed",
                {{"command_id", command.command_id()}, {"error", e.what()}});
    }
    if (claim && claim->state == Claim::State::claimed) {
      try {
        state_.release(command.command_id(), owner);
      } catch (const std::exception&) {
        // The lease runs out by itself.
      }
    }
    count(service::command_kind(command), "retried");
    return kafka::HandlerResult::retry;
  }
}

// Never committed silently: while Redis has no tenant data set (lost,
// docs/operations.md) the command waits for the tenants to be re-applied; a
// tenant that is truly unknown goes to the dead letters.
kafka::HandlerResult CommandHandler::unknown_tenant(const kafka::Message& m,
                                                    const v1::SyncCommand& command) {
  const std::string_view name = service::command_kind(command);
  if (!store_.instance_marker()) {
    log::warn("command of an unknown tenant while redis has no tenant data: retried",
              {{"command_id", command.command_id()}});
    count(name, "retried");
    return kafka::HandlerResult::retry;
  }
  log::warn("command of an unknown tenant dead-lettered", {{"command_id", command.command_id()}});
  if (!service::publish_dead_letter(producer_, options_.dlq_topic, m,
                                    {.tenant_id = command.tenant_id(),
                                     .code = "unknown_tenant",
                                     .message = "tenant is not configured"},
                                    options_.now())) {
    return kafka::HandlerResult::retry;
  }
  count(name, "unknown_tenant");
  return handled(m);
}

std::optional<kafka::HandlerResult> CommandHandler::not_claimed(const Claim& claim,
                                                                const v1::SyncCommand& command) {
  const std::string_view name = service::command_kind(command);
  switch (claim.state) {
    case Claim::State::claimed:
      return std::nullopt;
    case Claim::State::failed:
      // Dead-lettered earlier: a repeat would fail the same way. An operator
      // replays it (hbsync-ctl dlq replay) once the cause is fixed.
      log::info("command failed earlier; waiting for a replay",
                {{"command_id", command.command_id()}, {"outcome", claim.outcome}});
      count(name, "failed_earlier");
      return kafka::HandlerResult::done;
    case Claim::State::done:
      log::info("command already applied",
                {{"command_id", command.command_id()}, {"outcome", claim.outcome}});
      count(name, "duplicate");
      return kafka::HandlerResult::done;
    case Claim::State::busy:
      // Another writer holds it (or crashed holding it): never dead-letter
      // for that, just come back after the lease.
      log::info("command held by another writer",
                {{"command_id", command.command_id()}, {"retry_in_ms", claim.retry_in_ms}});
      count(name, "busy");
      return kafka::HandlerResult::retry;
  }
  return kafka::HandlerResult::retry;
}

// The command's use case, with its claim (and company lock) kept alive and
// every API call fenced; the keeper has stopped when this returns.
Outcome CommandHandler::run(const tenant::Settings& settings, const v1::SyncCommand& command,
                            const kafka::Message& m, const std::string& owner) {
  LeaseKeeper keeper(state_, command.command_id(), owner, options_.renew_every);
  Job job{.settings = settings,
          .command = command,
          .message = m,
          .owner = owner,
          .board = FencedBoard(board_.account({.api_key = settings.board.api_key,
                                               .api_token = settings.board.api_token}),
                               keeper),
          .hubspot = FencedHubSpot(
              hubspot_.portal(settings.tenant_id, tokens_.for_tenant(settings.tenant_id)), keeper),
          .keeper = keeper,
          .state = state_,
          .history = history_,
          .keyring = store_.keyring(),
          .lock_wait = options_.lock_wait};
  try {
    return dispatch(job);
  } catch (const ClaimLost& lost) {
    return retry(Reason::claim_lost, lost.what());
  }
}

kafka::HandlerResult CommandHandler::finish(Outcome outcome, const tenant::Settings& settings,
                                            const v1::SyncCommand& command, const kafka::Message& m,
                                            const std::string& owner) {
  const std::string_view name = service::command_kind(command);
  const std::string& id = command.command_id();
  // A claim taken over by another writer is that writer's to finish: come
  // back later (it will be done), never dead-letter it from here.
  if (outcome.kind == Outcome::retry && m.retries_exhausted &&
      outcome.reason != Reason::claim_lost) {
    outcome.kind = Outcome::failed;
  }
  if (outcome.kind == Outcome::failed) {
    if (!service::publish_dead_letter(
            producer_, options_.dlq_topic, m,
            {.tenant_id = command.tenant_id(), .code = outcome.code(), .message = outcome.message},
            options_.now())) {
      state_.release(id, owner);
      return kafka::HandlerResult::retry;
    }
    record_entry(history_, settings, command, m,
                 {.action = std::string(history::action::failed),
                  .deal_id = command.has_sync_deal() ? command.sync_deal().deal_id() : 0,
                  .reason_code = outcome.code(),
                  .message = outcome.message});
    state_.fail(id, owner, outcome.code());
    count(name, "dead_lettered");
    return handled(m);
  }
  if (outcome.kind == Outcome::retry) {
    state_.release(id, owner);
    log::info("command will be retried",
              {{"command_id", id}, {"attempt", m.attempt}, {"reason_code", outcome.code()}});
    count(name, "retried");
    return kafka::HandlerResult::retry;
  }
  state_.complete(id, owner, outcome.reason == Reason::none ? "ok" : outcome.code());
  count(name, "applied");
  log::info("command applied", {{"command_id", id}, {"action", name}});
  return handled(m);
}

}  // namespace hbsync::writer
