#include "bulk_companies.hpp"

#include <algorithm>

#include "bulk_run.hpp"
#include "hbsync/bulk/status.hpp"
#include "hbsync/domain/client_mapping.hpp"
#include "hbsync/log/log.hpp"

namespace hbsync::poller {
namespace {

using domain::bulk::ClientOutcome;

RunStop board_stop(const board::Error& error, const std::string& what) {
  const auto kind = error.retryable() ? RunStop::Kind::retry : RunStop::Kind::fail;
  return RunStop(kind, "board_" + std::string(board::to_string(error.kind)),
                 what + " failed (HTTP " + std::to_string(error.status) + ")");
}

}  // namespace

RunStop hubspot_stop(const hubspot::Error& error, const std::string& what) {
  const auto kind = error.retryable() ? RunStop::Kind::retry : RunStop::Kind::fail;
  return RunStop(
      kind, "hubspot_" + std::string(hubspot::to_string(error.kind)),
      what + " failed (HTTP " + std::to_string(error.status) + " " + error.category + ")");
}

BulkOptions BulkOptions::load(config::Loader& loader) {
  BulkOptions o;
  o.lease = loader.duration("HBSYNC_POLLER_BULK_LEASE", "60s",
                            "Lease of a tenant's bulk company sync, renewed after every step: "
                            "how soon a run whose poller died is taken over");
  o.id_property = loader.str(
      "HBSYNC_POLLER_BULK_ID_PROPERTY", "hbsync_board_client_id",
      "HubSpot company property (unique, created by the bulk sync) holding the board client id");
  return o;
}

BulkRun::BulkRun(const BulkDeps& deps, const BulkOptions& options, const tenant::Settings& settings,
                 Progress& progress, redis::Lease& lease, std::string run_id)
    : deps_(deps),
      options_(options),
      settings_(settings),
      progress_(progress),
      lease_(lease),
      run_id_(std::move(run_id)),
      portal_(deps.hubspot.portal(settings.tenant_id, deps.tokens.for_tenant(settings.tenant_id))),
      account_(deps.board.account(settings.tenant_id, {.api_key = settings.board.api_key,
                                                       .api_token = settings.board.api_token})) {}

void BulkRun::checkpoint() {
  if (deps_.stopping && deps_.stopping()) {
    throw RunStop(RunStop::Kind::retry, "draining", "the poller is stopping");
  }
  if (!lease_.renew()) {
    throw RunStop(RunStop::Kind::retry, "lease_lost", "the run's lease was taken over");
  }
}

void BulkRun::ensure_id_property() {
  auto created = portal_.create_company_property({.name = options_.id_property,
                                                  .label = "board client id (hbsync)",
                                                  .has_unique_value = true});
  if (!created) throw hubspot_stop(created.error(), "creating " + options_.id_property);
  if (created->already_existed && !created->property.has_unique_value) {
    throw RunStop(RunStop::Kind::fail, "id_property_not_unique",
                  "company property " + options_.id_property + " exists without hasUniqueValue");
  }
}

std::vector<board::Client> BulkRun::list_clients() {
  auto clients = account_.list_all_clients({});
  if (!clients) throw board_stop(clients.error(), "GET /v1/clients");
  return std::move(*clients);
}

std::vector<int64_t> BulkRun::skip_linked(const std::vector<board::Client>& clients) {
  std::vector<int64_t> unlinked;
  std::vector<ClientResult> skipped;
  for (const auto& c : clients) {
    if (auto company = deps_.links.company_of_client(settings_.tenant_id, c.id)) {
      skipped.push_back(
          {.client_id = c.id, .outcome = ClientOutcome::skipped, .company_id = *company});
    } else {
      unlinked.push_back(c.id);
    }
  }
  // Clients this run linked before a restart keep their outcome (once per run).
  progress_.record(skipped);
  return unlinked;
}

void BulkRun::execute() {
  ensure_id_property();
  checkpoint();
  const std::vector<board::Client> listed = list_clients();
  progress_.set_total(static_cast<int64_t>(listed.size()));
  std::map<int64_t, board::Client> clients;
  for (const auto& c : listed) clients.emplace(c.id, c);
  const std::vector<int64_t> unlinked = skip_linked(listed);
  for (const auto& batch : domain::bulk::plan_batches(unlinked, {})) {
    checkpoint();
    process(batch, clients);
  }
}

kafka::HandlerResult BulkCompanies::handle(const v1::SyncRequest& request,
                                           const kafka::Message& message) {
  const std::string& tenant_id = request.tenant_id();
  const std::string run_id = request.request_id().empty() ? std::string(message.topic) + ":" +
                                                                std::to_string(message.partition) +
                                                                ":" + std::to_string(message.offset)
                                                          : request.request_id();
  redis::Lease lease(deps_.redis, bulk::lease_key(tenant_id), options_.lease);
  try {
    if (!lease.try_acquire()) {
      log::info("bulk company sync busy on another replica; retried later",
                {{"tenant", tenant_id}, {"run", run_id}});
      return kafka::HandlerResult::retry;
    }
  } catch (const redis::Error& e) {
    log::warn("bulk company sync: Redis failed", {{"tenant", tenant_id}, {"error", e.what()}});
    return kafka::HandlerResult::retry;
  }
  struct Release {
    redis::Lease& lease;
    ~Release() {
      try {
        lease.release();
      } catch (const std::exception&) {
        // Runs out by itself.
      }
    }
  } release{lease};
  return run_locked(tenant_id, run_id, lease, message);
}

}  // namespace hbsync::poller

namespace hbsync::poller {
namespace {

// A run that stopped early: retry (resumes on redelivery) unless the
// consumer's attempts are used up or the cause is permanent.
kafka::HandlerResult stopped(const RunStop& stop, Progress& progress, const std::string& tenant_id,
                             const std::string& run_id, const kafka::Message& message) {
  const bool keep = stop.code == "draining" || stop.code == "lease_lost";
  const log::Fields fields = {
      {"tenant", tenant_id}, {"run", run_id}, {"reason", stop.code}, {"error", stop.what()}};
  if (stop.kind == RunStop::Kind::retry && (keep || !message.retries_exhausted)) {
    log::warn("bulk company sync interrupted; resumes on redelivery", fields);
    return kafka::HandlerResult::retry;
  }
  log::error("bulk company sync failed", fields);
  progress.finish(bulk::state::failed, stop.code);
  return kafka::HandlerResult::done;
}

void log_done(redis::Client& redis, const std::string& tenant_id, const std::string& run_id) {
  const bulk::Status s = bulk::read_status(redis, tenant_id).value_or(bulk::Status{});
  log::info("bulk company sync done", {{"tenant", tenant_id},
                                       {"run", run_id},
                                       {"total", s.total},
                                       {"created", s.created},
                                       {"linked", s.linked},
                                       {"skipped", s.skipped},
                                       {"failed", s.failed}});
}

}  // namespace

kafka::HandlerResult BulkCompanies::run_locked(const std::string& tenant_id,
                                               const std::string& run_id, redis::Lease& lease,
                                               const kafka::Message& message) {
  const log::Fields ids = {{"tenant", tenant_id}, {"run", run_id}};
  try {
    Progress progress(deps_.redis, tenant_id, run_id);
    const Progress::Begin begin = progress.begin();
    if (begin == Progress::Begin::finished) {
      log::info("bulk company sync finished already", ids);
      return kafka::HandlerResult::done;
    }
    std::optional<tenant::Settings> settings;
    try {
      settings = deps_.store.get(tenant_id);
    } catch (const tenant::DecryptError&) {
      progress.finish(bulk::state::failed, "credentials_unreadable");
      return kafka::HandlerResult::done;
    }
    if (!settings) {
      progress.finish(bulk::state::failed, "unknown_tenant");
      return kafka::HandlerResult::done;
    }
    if (!settings->board.connected() || !settings->hubspot.connected()) {
      progress.finish(bulk::state::failed, settings->board.connected() ? "hubspot_not_connected"
                                                                       : "board_not_connected");
      return kafka::HandlerResult::done;
    }
    log::info(
        begin == Progress::Begin::fresh ? "bulk company sync started" : "bulk company sync resumed",
        ids);
    try {
      BulkRun(deps_, options_, *settings, progress, lease, run_id).execute();
    } catch (const RunStop& stop) {
      return stopped(stop, progress, tenant_id, run_id, message);
    }
    progress.finish(bulk::state::done);
    log_done(deps_.redis, tenant_id, run_id);
    return kafka::HandlerResult::done;
  } catch (const redis::Error& e) {
    log::warn("bulk company sync: Redis failed; resumes on redelivery",
              {{"tenant", tenant_id}, {"run", run_id}, {"error", e.what()}});
    return kafka::HandlerResult::retry;
  }
}

}  // namespace hbsync::poller
