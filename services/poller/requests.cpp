#include "requests.hpp"

#include <future>
#include <random>
#include <sstream>

#include "hbsync/log/log.hpp"
#include "hbsync/poll/keys.hpp"
#include "hbsync/poll/status.hpp"
#include "hbsync/redis/lease.hpp"
#include "keeper.hpp"
#include "metrics.hpp"
#include "state.hpp"

namespace hbsync::poller {
namespace {

using service::Outcome;
using service::Reason;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string new_run_id(const std::string& tenant_id) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  std::stringstream s;
  s << "poll-" << tenant_id << "-" << std::hex << rng();
  return s.str();
}

service::PipelineOptions pipeline_options(const RequestOptions& o, redis::Client& redis) {
  service::PipelineOptions p;
  p.dlq_topic = o.dlq_topic;
  p.noun = "request";
  p.unreadable = {.code = "unreadable_request", .message = "not a hbsync.v1.SyncRequest"};
  p.lost_state_waits = true;
  p.ledger = service::DeadLetterLedger(redis);
  return p;
}

Outcome outcome_of(const RunReport& r, const std::string& tenant_id) {
  if (r.ok) return service::applied();
  const std::string message = "poll of tenant " + tenant_id + " failed: " + r.error;
  if (r.error == "lease_lost") return service::wait(Reason::claim_lost, message);
  if (r.error == "kafka_unavailable") return service::retry(Reason::kafka_unavailable, message);
  if (r.retryable) return service::retry(Reason::board_unavailable, message);
  log::error("poll failed; not retried", {{"tenant", tenant_id}, {"error", r.error}});
  return service::applied(Reason::skipped);
}

void finish(poll::RunStatus& status, const RunReport& report) {
  status.state = report.ok ? "succeeded" : "failed";
  status.full = report.full;
  status.finished_at_ms = now_ms();
  status.projects_seen = report.projects_seen;
  status.published = report.published;
  status.calls = report.calls;
  status.error = report.error;
}

// A tenant signed in (F1.2) whose board connection is not saved yet (F1.1):
// the request is answered with a failed run saying so (the console shows
// it), and board is not called.
Outcome board_not_connected(redis::Client& redis, const std::string& tenant_id,
                            const std::string& kind, const std::string& request_id) {
  const int64_t now = now_ms();
  poll::RunStatus status = poll::read_status(redis, tenant_id);
  status.state = "failed";
  status.kind = kind;
  status.full = false;
  status.run_id.clear();
  status.request_id = request_id;
  status.started_at_ms = now;
  status.finished_at_ms = now;
  status.projects_seen = status.published = status.calls = 0;
  status.error = "board_not_connected";
  poll::write_status(redis, tenant_id, status);
  metrics::run_finished(kind, "failed", 0);
  log::info("poll not run: board not connected", {{"tenant", tenant_id}, {"kind", kind}});
  return service::applied(Reason::skipped);
}

}  // namespace

std::optional<v1::SyncRequest::Kind> request_kind(const kafka::Message& m) {
  v1::SyncRequest request;
  if (!request.ParseFromArray(m.value.data(), static_cast<int>(m.value.size()))) {
    return std::nullopt;
  }
  return request.kind();
}

std::string kind_name(v1::SyncRequest::Kind kind) {
  switch (kind) {
    case v1::SyncRequest::SCHEDULED:
      return "scheduled";
    case v1::SyncRequest::INTERVAL:
      return "interval";
    case v1::SyncRequest::SYNC_NOW:
      return "sync_now";
    case v1::SyncRequest::BULK_COMPANIES:
      return "bulk_companies";
    default:
      return "unspecified";
  }
}

RequestHandler::RequestHandler(RequestOptions options, tenant::Store* store, redis::Client& redis,
                               board::Api& board, kafka::Producer& producer, links::Links& links)
    : options_(std::move(options)),
      redis_(redis),
      board_(board),
      producer_(producer),
      links_(links),
      pipeline_(pipeline_options(options_, redis), store, producer,
                {.tenant_of = [](const v1::SyncRequest& r) { return r.tenant_id(); },
                 // BULK_COMPANIES is main's to dispatch (F5); unknown kinds are no polls.
                 .wanted =
                     [](const Work& w) {
                       const auto k = w.payload.kind();
                       return k == v1::SyncRequest::SCHEDULED || k == v1::SyncRequest::INTERVAL ||
                              k == v1::SyncRequest::SYNC_NOW;
                     },
                 .apply = [this](Work& w) { return apply(w); }}) {}

bool RequestHandler::publish(std::vector<kafka::OutgoingMessage> messages) {
  auto done = std::make_shared<std::promise<bool>>();
  auto result = done->get_future();
  producer_.produce_batch(std::move(messages),
                          [done](const kafka::BatchResult& r) { done->set_value(r.ok); });
  return result.get();
}

Outcome RequestHandler::apply(Work& work) {
  const std::string& tenant_id = work.tenant_id;
  const auto& request = work.payload;
  const std::string kind = kind_name(request.kind());
  poll::RunStatus status = poll::read_status(redis_, tenant_id);
  if (request.requested_at_ms() > 0 &&
      status.last_success_started_ms >= request.requested_at_ms()) {
    metrics::run_finished(kind, "covered", 0);
    return service::applied(Reason::duplicate);
  }
  if (!work.settings->board.connected()) {
    return board_not_connected(redis_, tenant_id, kind, request.request_id());
  }
  redis::Lease lease(redis_, poll::keys::run_lease(tenant_id), options_.lease_ttl);
  if (!lease.try_acquire_fenced()) {
    metrics::run_finished(kind, "busy", 0);
    return service::wait(Reason::claim_busy, "another poll of tenant " + tenant_id + " is running");
  }
  LeaseKeeper keeper(lease);
  State state(redis_);
  RunInput input{.tenant_id = tenant_id,
                 .run_id = new_run_id(tenant_id),
                 .force_full = false,
                 .started_ms = now_ms()};
  status = {.state = "running",
            .kind = kind,
            .full = false,
            .run_id = input.run_id,
            .request_id = request.request_id(),
            .started_at_ms = input.started_ms};
  poll::write_status(redis_, tenant_id, status);
  log::info("poll started", {{"run", input.run_id}, {"kind", kind}});
  RunDeps deps{.account = board_.account(tenant_id, {.api_key = work.settings->board.api_key,
                                                     .api_token = work.settings->board.api_token}),
               .state = state,
               .links = links_,
               .fence = {.lease_key = lease.key(), .token = lease.token(), .number = lease.fence()},
               .topic = options_.changes_topic,
               .publish = [this](auto m) { return publish(std::move(m)); },
               .fenced = [&keeper] { return keeper.ok(); },
               .now_ms = now_ms};
  const RunReport report = run_poll(input, deps, options_.run);
  keeper.stop();
  finish(status, report);
  if (report.error != "lease_lost") poll::write_status(redis_, tenant_id, status);
  metrics::published(report.published);
  metrics::run_finished(kind, status.state, (status.finished_at_ms - input.started_ms) / 1000.0);
  log::info("poll finished", {{"run", input.run_id},
                              {"result", status.state},
                              {"full", report.full},
                              {"published", report.published},
                              {"calls", report.calls},
                              {"error", report.error}});
  lease.release();  // last: the next run of the tenant may start now
  return outcome_of(report, tenant_id);
}

}  // namespace hbsync::poller
