#include "handler.hpp"

#include <prometheus/counter.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

#include "hbsync/domain/client_mapping.hpp"
#include "hbsync/domain/status.hpp"
#include "hbsync/log/log.hpp"
#include "hbsync/metrics/metrics.hpp"
#include "hbsync/service/commands.hpp"
#include "hbsync/service/dead_letter.hpp"
#include "hbsync/service/unreadable.hpp"
#include "hbsync/tenant/crypto.hpp"

namespace hbsync::writer {
namespace {

namespace action = history::action;
using Outcome = CommandHandler::Outcome;

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

Outcome retry(std::string code, std::string message) {
  return {.kind = Outcome::retry, .code = std::move(code), .message = std::move(message)};
}
Outcome failed(std::string code, std::string message) {
  return {.kind = Outcome::failed, .code = std::move(code), .message = std::move(message)};
}

std::string client_url(const tenant::Settings& s, int64_t client_id) {
  std::string url = s.board.client_url;
  const std::string id = std::to_string(client_id);
  for (size_t pos = url.find("{id}"); pos != std::string::npos; pos = url.find("{id}")) {
    url.replace(pos, 4, id);
  }
  return url;
}

board::ClientFields to_client_fields(const std::map<domain::ClientField, std::string>& fields) {
  board::ClientFields out;
  for (const auto& [field, value] : fields) {
    switch (field) {
      case domain::ClientField::name:
        out.name = value;
        break;
      case domain::ClientField::name_disp:
        out.name_disp = value;
        break;
      case domain::ClientField::zip:
        out.zip = value;
        break;
      case domain::ClientField::pref:
        out.pref = value;
        break;
      case domain::ClientField::address1:
        out.address1 = value;
        break;
      case domain::ClientField::address2:
        out.address2 = value;
        break;
      case domain::ClientField::tel:
        out.tel = value;
        break;
      case domain::ClientField::fax:
        out.fax = value;
        break;
    }
  }
  return out;
}

// Renews a command's claim, and the company lock it holds, every `period`
// while the command is worked on, so a slow call (rate-limit waits, retries)
// cannot outlive a lease and let a second writer in. The writer asks holds()
// before every call: false once a renewal found another owner, or when no
// renewal has succeeded for two periods (Redis unreachable: the leases, three
// periods long, may be about to run out). No Redis round trip per call.
class LeaseKeeper {
 public:
  using Clock = std::chrono::steady_clock;

  LeaseKeeper(State& state, std::string command_id, std::string owner,
              std::chrono::milliseconds period)
      : state_(state),
        command_id_(std::move(command_id)),
        owner_(std::move(owner)),
        period_(period),
        last_ok_(Clock::now()),
        thread_([this] { run(); }) {}
  ~LeaseKeeper() { stop(); }
  // Before the claim is completed, failed or released: a renewal after a
  // release would hold the command back for a whole lease.
  void stop() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  LeaseKeeper(const LeaseKeeper&) = delete;
  LeaseKeeper& operator=(const LeaseKeeper&) = delete;

  void hold_lock(const std::string& tenant, int64_t company_id) {
    std::lock_guard lock(mutex_);
    tenant_ = tenant;
    company_id_ = company_id;
  }
  void drop_lock() {
    std::lock_guard lock(mutex_);
    company_id_ = 0;
  }
  bool holds() const { return !lost_.load() && Clock::now() - last_ok_.load() < 2 * period_; }

 private:
  void run() {
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, period_, [this] { return stop_; })) {
      const std::string tenant = tenant_;
      const int64_t company = company_id_;
      lock.unlock();
      try {
        const auto started = Clock::now();
        bool ok = state_.renew(command_id_, owner_);
        if (ok && company != 0) ok = state_.renew_company_lock(tenant, company, owner_);
        if (ok) {
          last_ok_ = started;
        } else {
          lost_ = true;
        }
      } catch (const std::exception&) {
        // Redis unavailable: the next round tries again; holds() turns false
        // if it stays so for two periods.
      }
      lock.lock();
    }
  }

  State& state_;
  const std::string command_id_;
  const std::string owner_;
  const std::chrono::milliseconds period_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::string tenant_;
  int64_t company_id_ = 0;
  std::atomic<bool> lost_{false};
  std::atomic<Clock::time_point> last_ok_;
  std::thread thread_;  // last: starts after every member above exists
};

}  // namespace

Outcome redis_failure(std::string_view call, const std::string& text) {
  log::error("redis call failed", {{"call", call}, {"error", text}});
  return retry("redis_error", std::string(call) + " failed: redis: " + text);
}

Outcome board_failure(const board::Error& error, std::string_view call) {
  if (!error.redis_error.empty()) return redis_failure(call, error.redis_error);
  std::string code = "board_" + std::string(board::to_string(error.kind));
  std::string message = std::string(call) +
                        " failed: " + std::string(board::to_string(error.kind)) + " (HTTP " +
                        std::to_string(error.status) + ")";
  log::warn("board call failed",
            {{"call", call}, {"kind", board::to_string(error.kind)}, {"status", error.status}});
  if (error.retryable()) return retry(std::move(code), std::move(message));
  return failed(std::move(code), std::move(message));
}

Outcome hubspot_failure(const hubspot::Error& error, std::string_view call) {
  if (!error.redis_error.empty()) return redis_failure(call, error.redis_error);
  std::string code = "hubspot_" + std::string(hubspot::to_string(error.kind));
  std::string message = std::string(call) +
                        " failed: " + std::string(hubspot::to_string(error.kind)) + " (HTTP " +
                        std::to_string(error.status) + ")";
  log::warn("hubspot call failed",
            {{"call", call}, {"kind", hubspot::to_string(error.kind)}, {"status", error.status}});
  if (error.retryable()) return retry(std::move(code), std::move(message));
  return failed(std::move(code), std::move(message));
}

struct CommandHandler::Job {
  const tenant::Settings& settings;
  const v1::SyncCommand& command;
  const kafka::Message& message;
  int64_t claims = 0;
  std::string owner;
  board::Account board;
  hubspot::Portal hubspot;
  LeaseKeeper& keeper;
  int64_t locked_company = 0;   // the company lock held, 0: none
  bool client_created = false;  // ensure_client made the client (it has no projects yet)
};

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
  auto handled = [&m] {
    log::debug("message handled",
               {{"topic", m.topic}, {"partition", m.partition}, {"offset", m.offset}});
    return kafka::HandlerResult::done;
  };
  v1::SyncCommand command;
  if (!command.ParseFromArray(m.value.data(), static_cast<int>(m.value.size())) ||
      command.tenant_id().empty() || command.command_id().empty()) {
    return service::dead_letter_unreadable(
        producer_, options_.dlq_topic, m,
        {.code = "unreadable_command", .message = "not a hbsync.v1.SyncCommand"});
  }
  const std::string& tenant_id = command.tenant_id();
  const std::string_view name = service::command_kind(command);
  log::Scope scope(tenant_id, m.correlation_id);
  const std::string& owner = owner_id();

  std::optional<Claim> claim;
  Outcome outcome;
  try {
    auto settings = store_.get(tenant_id);
    if (!settings) {
      // Never committed silently: while Redis has no tenant data set (lost,
      // docs/operations.md) the command waits for the tenants to be
      // re-applied; a tenant that is truly unknown goes to the dead letters.
      if (!store_.instance_marker()) {
        log::warn("command of an unknown tenant while redis has no tenant data: retried",
                  {{"command_id", command.command_id()}});
        count(name, "retried");
        return kafka::HandlerResult::retry;
      }
      log::warn("command of an unknown tenant dead-lettered",
                {{"command_id", command.command_id()}});
      if (!service::publish_dead_letter(producer_, options_.dlq_topic, m,
                                        {.tenant_id = tenant_id,
                                         .code = "unknown_tenant",
                                         .message = "tenant is not configured"},
                                        options_.now())) {
        return kafka::HandlerResult::retry;
      }
      count(name, "unknown_tenant");
      return handled();
    }
    const bool replay = m.header(kafka::kReplayHeader).has_value();
    claim = state_.claim(command.command_id(), owner, replay);
    if (claim->state == Claim::State::failed) {
      // Dead-lettered earlier: a repeat would fail the same way. An operator
      // replays it (hbsync-ctl dlq replay) once the cause is fixed.
      log::info("command failed earlier; waiting for a replay",
                {{"command_id", command.command_id()}, {"outcome", claim->outcome}});
      count(name, "failed_earlier");
      return handled();
    }
    if (claim->state == Claim::State::done) {
      log::info("command already applied",
                {{"command_id", command.command_id()}, {"outcome", claim->outcome}});
      count(name, "duplicate");
      return handled();
    }
    if (claim->state == Claim::State::busy) {
      // Another writer holds it (or crashed holding it): never dead-letter
      // for that, just come back after the lease.
      log::info("command held by another writer",
                {{"command_id", command.command_id()}, {"retry_in_ms", claim->retry_in_ms}});
      count(name, "busy");
      return kafka::HandlerResult::retry;
    }
    LeaseKeeper keeper(state_, command.command_id(), owner, options_.renew_every);
    Job job{.settings = *settings,
            .command = command,
            .message = m,
            .claims = claim->claims,
            .owner = owner,
            .board = board_.account(
                {.api_key = settings->board.api_key, .api_token = settings->board.api_token}),
            .hubspot = hubspot_.portal(tenant_id, tokens_.for_tenant(tenant_id)),
            .keeper = keeper};
    outcome = apply(job);
    keeper.stop();
    // A claim taken over by another writer is that writer's to finish: come
    // back later (it will be done), never dead-letter it from here.
    if (outcome.kind == Outcome::retry && m.retries_exhausted && outcome.code != "claim_lost") {
      outcome.kind = Outcome::failed;
    }
    if (outcome.kind == Outcome::failed) {
      if (!service::publish_dead_letter(
              producer_, options_.dlq_topic, m,
              {.tenant_id = tenant_id, .code = outcome.code, .message = outcome.message},
              options_.now())) {
        state_.release(command.command_id(), owner);
        return kafka::HandlerResult::retry;
      }
      int64_t deal_id = 0;
      if (command.has_sync_deal()) deal_id = command.sync_deal().deal_id();
      record(job, {.direction = std::string(history::direction::hubspot_to_board),
                   .action = std::string(action::failed),
                   .deal_id = deal_id,
                   .reason_code = outcome.code,
                   .message = outcome.message});
      state_.fail(command.command_id(), owner, outcome.code);
      count(name, "dead_lettered");
      return handled();
    }
    if (outcome.kind == Outcome::retry) {
      state_.release(command.command_id(), owner);
      log::info("command will be retried", {{"command_id", command.command_id()},
                                            {"attempt", m.attempt},
                                            {"reason_code", outcome.code}});
      count(name, "retried");
      return kafka::HandlerResult::retry;
    }
    state_.complete(command.command_id(), owner, outcome.code.empty() ? "ok" : outcome.code);
    count(name, "applied");
    log::info("command applied", {{"command_id", command.command_id()}, {"action", name}});
    return handled();
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
    count(name, "retried");
    return kafka::HandlerResult::retry;
  }
}

void CommandHandler::record(Job& job, history::Entry entry) {
  if (entry.direction.empty()) entry.direction = std::string(history::direction::hubspot_to_board);
  entry.attempts = job.message.attempt;
  entry.command_id = job.command.command_id();
  history_.record(job.settings.tenant_id, entry);
}

bool CommandHandler::renew(Job& job) {
  return job.keeper.holds();
}

Outcome CommandHandler::apply(Job& job) {
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
      return failed("unsupported_command", "command " + std::string(service::command_kind(c)) +
                                               " is not supported by this writer");
  }
}

Outcome CommandHandler::sync_deal(Job& job) {
  const auto& cmd = job.command.sync_deal();
  const std::string& tenant = job.settings.tenant_id;
  const int64_t deal_id = cmd.deal_id();
  const int status = cmd.order_status();
  if (!domain::order_status_from_code(status)) {
    return failed("unknown_order_status", "order status " + std::to_string(status) + " unknown");
  }

  if (auto link = state_.deal_link(tenant, deal_id)) {
    if (cmd.deal_updated_at_ms() < link->revision_ms) {
      record(job, {.action = std::string(action::unchanged),
                   .deal_id = deal_id,
                   .project_id = link->project_id,
                   .reason_code = "stale_command",
                   .message = "an earlier state of the deal; a newer one was applied"});
      return {.code = "stale"};
    }
    record_company_change(job, *link);
    return update_status(job, deal_id, link->project_id, link->order_status, status,
                         cmd.deal_updated_at_ms());
  }

  int64_t client_id = 0;
  if (auto o = ensure_client(job, cmd.company_id(), client_id); o.kind != Outcome::done) return o;

  // No link, yet the project may exist: made by an earlier attempt that
  // crashed before linking it, or linked in a Redis that has since lost the
  // link (restarted from an older snapshot). Look it up by management_no,
  // unless this command has just created the client: a client made a moment
  // ago has no projects, so a new company's first deal stays at 3 board calls.
  std::optional<board::Project> existing;
  if (!job.client_created && !cmd.management_no().empty()) {
    if (auto o = find_project(job, cmd.management_no(), existing); o.kind != Outcome::done) {
      return o;
    }
  }
  if (existing) {
    state_.link_deal(tenant, deal_id,
                     {.project_id = existing->id,
                      .order_status = existing->order_status_code,
                      .active = true,
                      .revision_ms = 0,
                      .company_id = cmd.company_id()});
    record(job, {.action = std::string(action::linked),
                 .deal_id = deal_id,
                 .company_id = cmd.company_id(),
                 .client_id = client_id,
                 .project_id = existing->id,
                 .message = "project found by management_no and linked"});
    return update_status(job, deal_id, existing->id, existing->order_status_code, status,
                         cmd.deal_updated_at_ms());
  }

  int64_t user_id = cmd.board_user_id();
  if (user_id == 0) user_id = job.settings.board.default_user_id.value_or(0);
  if (user_id == 0) {
    return failed("no_board_user",
                  "no board user has the owner's e-mail and the tenant has no default user");
  }

  auto name = tenant::open_deal_name(store_.keyring(), tenant, deal_id, cmd.sealed_deal_name());
  if (!name) {
    if (!renew(job)) return retry("claim_lost", "the claim was taken over");
    auto deal = job.hubspot.get_deal(std::to_string(deal_id), {"dealname"});
    if (!deal) {
      if (deal.error().kind == hubspot::Error::not_found) {
        return deactivate(job, deal_id, "deal_not_found");
      }
      return hubspot_failure(deal.error(), "deals.get");
    }
    name = deal->property("dealname").value_or("");
  }
  if (name->empty())
    name = cmd.management_no().empty() ? "HubSpot " + std::to_string(deal_id) : cmd.management_no();

  board::NewProject project{.name = *name,
                            .client_id = client_id,
                            .user_id = user_id,
                            .order_status = *domain::order_status_from_code(status),
                            .invoice_timing = board::InvoiceTiming::lump_sum,
                            .invoice_date = cmd.invoice_date()};
  if (!cmd.management_no().empty()) project.management_no = cmd.management_no();
  if (!renew(job)) return retry("claim_lost", "the claim was taken over");
  auto created = job.board.create_project(project);
  int64_t project_id = 0;
  if (created) {
    project_id = created->id;
  } else if (created.error().maybe_applied && !cmd.management_no().empty()) {
    // The answer was lost: board may have made it. Look before making another.
    if (auto o = find_project(job, cmd.management_no(), existing); o.kind != Outcome::done) {
      return o;
    }
    if (!existing) return retry("board_create_unconfirmed", "POST /v1/projects answer lost");
    project_id = existing->id;
  } else {
    return board_failure(created.error(), "POST /v1/projects");
  }
  state_.link_deal(tenant, deal_id,
                   {.project_id = project_id,
                    .order_status = status,
                    .active = true,
                    .revision_ms = cmd.deal_updated_at_ms(),
                    .company_id = cmd.company_id()});
  record(job, {.action = std::string(action::created),
               .deal_id = deal_id,
               .company_id = cmd.company_id(),
               .client_id = client_id,
               .project_id = project_id,
               .message = "project created with order status " + std::to_string(status)});
  return {};
}

// SPEC F3.5 gives a project its client once, at creation; the project keeps
// it when the deal's chosen company changes later (a primary set, a company
// removed or added): board projects carry estimates and invoices addressed to
// their client, board's API reference does not confirm that a project's
// client can be changed, and the original product synced companies on the
// first sync only. The change is recorded (`company_changed`), never silent.
// A link written before links kept their company (company 0) just learns it.
void CommandHandler::record_company_change(Job& job, const DealLink& link) {
  const auto& cmd = job.command.sync_deal();
  if (link.company_id == 0 || link.company_id == cmd.company_id()) return;
  record(job,
         {.action = std::string(action::unchanged),
          .deal_id = cmd.deal_id(),
          .company_id = cmd.company_id(),
          .project_id = link.project_id,
          .reason_code = "company_changed",
          .message = "the deal's company changed from " + std::to_string(link.company_id) + " to " +
                     std::to_string(cmd.company_id()) + "; the project keeps its board client"});
}

Outcome CommandHandler::find_project(Job& job, const std::string& management_no,
                                     std::optional<board::Project>& found) {
  if (!renew(job)) return retry("claim_lost", "the claim was taken over");
  auto listed = job.board.list_projects({.management_no_eq = management_no, .include_lost = true},
                                        {.page = 1, .per_page = 10});
  if (!listed) return board_failure(listed.error(), "GET /v1/projects");
  for (const auto& p : listed->items) {
    if (p.management_no && *p.management_no == management_no) {
      if (!found || p.id < found->id) found = p;
    }
  }
  return {};
}

Outcome CommandHandler::update_status(Job& job, int64_t deal_id, int64_t project_id, int from,
                                      int to, int64_t revision) {
  const std::string& tenant = job.settings.tenant_id;
  if (from == to) {
    state_.link_deal(tenant, deal_id,
                     {.project_id = project_id,
                      .order_status = to,
                      .active = true,
                      .revision_ms = revision,
                      .company_id = job.command.sync_deal().company_id()});
    record(job, {.action = std::string(action::unchanged),
                 .deal_id = deal_id,
                 .project_id = project_id,
                 .reason_code = "status_unchanged",
                 .message = "order status already " + std::to_string(to)});
    return {.code = "unchanged"};
  }
  if (!renew(job)) return retry("claim_lost", "the claim was taken over");
  auto updated = job.board.update_order_status(project_id, *domain::order_status_from_code(to));
  if (!updated) {
    if (updated.error().kind == board::Error::not_found) {
      return failed("project_not_found", "board project " + std::to_string(project_id) +
                                             " linked to deal " + std::to_string(deal_id) +
                                             " no longer exists");
    }
    return board_failure(updated.error(), "PATCH /v1/projects/order_status");
  }
  state_.link_deal(tenant, deal_id,
                   {.project_id = project_id,
                    .order_status = to,
                    .active = true,
                    .revision_ms = revision,
                    .company_id = job.command.sync_deal().company_id()});
  record(job, {.action = std::string(action::updated),
               .deal_id = deal_id,
               .project_id = project_id,
               .message = "order status " + std::to_string(from) + " -> " + std::to_string(to)});
  return {};
}

Outcome CommandHandler::ensure_client(Job& job, int64_t company_id, int64_t& client_id) {
  const std::string& tenant = job.settings.tenant_id;
  if (auto link = state_.company_link(tenant, company_id)) {
    client_id = link->client_id;
    if (!link->url_written) return write_link_property(job, company_id, client_id);
    return {};
  }
  // One writer at a time finds or creates a company's client.
  const auto deadline = std::chrono::steady_clock::now() + options_.lock_wait;
  while (!state_.try_lock_company(tenant, company_id, job.owner)) {
    if (auto link = state_.company_link(tenant, company_id)) {
      client_id = link->client_id;
      if (!link->url_written) return write_link_property(job, company_id, client_id);
      return {};
    }
    if (std::chrono::steady_clock::now() > deadline) {
      return retry("company_busy",
                   "company " + std::to_string(company_id) + " is being linked by another writer");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  job.locked_company = company_id;
  job.keeper.hold_lock(tenant, company_id);
  struct Unlock {
    State& state;
    Job& job;
    ~Unlock() {
      job.keeper.drop_lock();
      try {
        state.unlock_company(job.settings.tenant_id, job.locked_company, job.owner);
      } catch (const std::exception&) {
        // The lock's lease runs out by itself.
      }
      job.locked_company = 0;
    }
  } unlock{state_, job};

  if (auto link = state_.company_link(tenant, company_id)) {
    client_id = link->client_id;
    if (!link->url_written) return write_link_property(job, company_id, client_id);
    return {};
  }
  const auto& mapping = job.settings.company_field_mapping;
  if (!renew(job)) return retry("claim_lost", "the claim was taken over");
  auto company = job.hubspot.get_company(std::to_string(company_id), mapping.hubspot_properties());
  if (!company) {
    if (company.error().kind == hubspot::Error::not_found) {
      return failed("company_not_found",
                    "HubSpot company " + std::to_string(company_id) + " not found");
    }
    return hubspot_failure(company.error(), "companies.get");
  }
  domain::PropertyMap props;
  for (const auto& [k, v] : company->properties) props.emplace(k, v);
  auto mapped = domain::map_company_to_client(props, mapping);
  if (mapped.status != domain::MappingStatus::ok) {
    return failed(std::string(domain::reason_code(mapped.status)),
                  "HubSpot company " + std::to_string(company_id) + " has no name");
  }
  const std::string& name = mapped.fields.at(domain::ClientField::name);

  // F3.3: a client with exactly this name is linked, not created again.
  auto find_exact = [&](std::optional<int64_t>& found) -> Outcome {
    if (!renew(job)) return retry("claim_lost", "the claim was taken over");
    auto listed = job.board.list_all_clients({.name_cont = name});
    if (!listed) return board_failure(listed.error(), "GET /v1/clients");
    for (const auto& c : *listed) {
      if (c.name == name && (!found || c.id < *found)) found = c.id;
    }
    return {};
  };
  std::optional<int64_t> found;
  if (auto o = find_exact(found); o.kind != Outcome::done) return o;
  std::string_view what = action::linked;
  if (!found) {
    if (!renew(job)) return retry("claim_lost", "the claim was taken over");
    auto created = job.board.create_client(to_client_fields(mapped.fields));
    if (created) {
      found = created->id;
    } else if (created.error().maybe_applied) {
      if (auto o = find_exact(found); o.kind != Outcome::done) return o;
      if (!found) return retry("board_create_unconfirmed", "POST /v1/clients answer lost");
    } else {
      return board_failure(created.error(), "POST /v1/clients");
    }
    what = action::created;
    job.client_created = true;
  }
  client_id = *found;
  if (!renew(job)) return retry("claim_lost", "the claim was taken over");
  state_.link_company(tenant, company_id, {.client_id = client_id, .url_written = false});
  record(job, {.action = std::string(what),
               .company_id = company_id,
               .client_id = client_id,
               .message = what == action::created ? "board client created"
                                                  : "existing board client with the same name "
                                                    "linked"});
  return write_link_property(job, company_id, client_id);
}

Outcome CommandHandler::write_link_property(Job& job, int64_t company_id, int64_t client_id) {
  const auto& property = job.settings.hubspot.link_property;
  if (property.empty()) return {};
  if (!renew(job)) return retry("claim_lost", "the claim was taken over");
  auto updated = job.hubspot.update_company(std::to_string(company_id),
                                            {{property, client_url(job.settings, client_id)}});
  if (!updated) {
    auto o = hubspot_failure(updated.error(), "companies.update");
    if (o.kind == Outcome::retry) return o;
    // The deal still syncs; the property is tried again with the company's
    // next deal, and the failure shows in the history.
    record(job, {.action = std::string(action::failed),
                 .company_id = company_id,
                 .client_id = client_id,
                 .reason_code = "link_property_" + o.code,
                 .message = o.message});
    return {};
  }
  state_.link_company(job.settings.tenant_id, company_id,
                      {.client_id = client_id, .url_written = true});
  return {};
}

Outcome CommandHandler::record_skip(Job& job) {
  const auto& skip = job.command.record_skip();
  if (skip.reason_code() == "deal_not_found" && skip.object_type() == "deal") {
    if (auto link = state_.deal_link(job.settings.tenant_id, skip.object_id());
        link && link->active) {
      return deactivate(job, skip.object_id(), "deal_not_found");
    }
  }
  history::Entry e{.direction = skip.direction(),
                   .action = std::string(action::skipped),
                   .reason_code = skip.reason_code(),
                   .message = "not synced: " + skip.reason_code()};
  if (skip.object_type() == "company") {
    e.company_id = skip.object_id();
  } else {
    e.deal_id = skip.object_id();
  }
  record(job, std::move(e));
  return {.code = "skipped"};
}

Outcome CommandHandler::deactivate(Job& job, int64_t deal_id, std::string_view reason_code) {
  const std::string& tenant = job.settings.tenant_id;
  auto link = state_.deal_link(tenant, deal_id);
  if (!link) {
    record(job, {.action = std::string(action::skipped),
                 .deal_id = deal_id,
                 .reason_code = std::string(reason_code),
                 .message = "deal was not linked"});
    return {.code = "not_linked"};
  }
  link->active = false;
  state_.link_deal(tenant, deal_id, *link);
  record(job, {.action = std::string(action::deactivated),
               .deal_id = deal_id,
               .project_id = link->project_id,
               .reason_code = std::string(reason_code),
               .message = "link marked inactive; the board project is kept"});
  return {};
}

Outcome CommandHandler::repoint(Job& job) {
  const auto& r = job.command.repoint_links();
  const std::string& tenant = job.settings.tenant_id;
  const int64_t survivor = r.surviving_id();
  for (int64_t merged : r.merged_ids()) {
    if (merged == survivor) continue;
    if (r.object_type() == "deal") {
      auto link = state_.deal_link(tenant, merged);
      if (!link) continue;
      state_.unlink_deal(tenant, merged, link->project_id);
      if (!state_.deal_link(tenant, survivor)) {
        state_.link_deal(tenant, survivor, *link);
        record(job, {.action = std::string(action::repointed),
                     .deal_id = survivor,
                     .project_id = link->project_id,
                     .message = "link moved from merged deal " + std::to_string(merged)});
      } else {
        record(job, {.action = std::string(action::deactivated),
                     .deal_id = merged,
                     .project_id = link->project_id,
                     .reason_code = "merged",
                     .message = "merged into deal " + std::to_string(survivor) +
                                ", which has its own project"});
      }
    } else {
      auto link = state_.company_link(tenant, merged);
      if (!link) continue;
      state_.unlink_company(tenant, merged, link->client_id);
      if (!state_.company_link(tenant, survivor)) {
        state_.link_company(tenant, survivor, *link);
        record(job, {.action = std::string(action::repointed),
                     .company_id = survivor,
                     .client_id = link->client_id,
                     .message = "link moved from merged company " + std::to_string(merged)});
      } else {
        record(job, {.action = std::string(action::deactivated),
                     .company_id = merged,
                     .client_id = link->client_id,
                     .reason_code = "merged",
                     .message = "merged into company " + std::to_string(survivor) +
                                ", which has its own client"});
      }
    }
  }
  return {};
}

}  // namespace hbsync::writer
