#include "bulk_progress.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>

#include <chrono>

#include "hbsync/bulk/status.hpp"
#include "hbsync/metrics/metrics.hpp"

namespace hbsync::poller {
namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

prometheus::Family<prometheus::Counter>& clients_total() {
  static auto& family = prometheus::BuildCounter()
                            .Name("hbsync_bulk_sync_clients_total")
                            .Help(
                                "Board clients handled by bulk company syncs, by result "
                                "(created, linked, skipped, failed), once per client and run")
                            .Register(metrics::registry());
  return family;
}

prometheus::Family<prometheus::Counter>& runs_total() {
  static auto& family = prometheus::BuildCounter()
                            .Name("hbsync_bulk_sync_runs_total")
                            .Help(
                                "Bulk company sync runs by result (started, resumed, done, "
                                "failed)")
                            .Register(metrics::registry());
  return family;
}

prometheus::Family<prometheus::Gauge>& progress_ratio() {
  static auto& family = prometheus::BuildGauge()
                            .Name("hbsync_bulk_sync_progress_ratio")
                            .Help(
                                "Done / total board clients of the tenant's current bulk "
                                "company sync (1 when finished)")
                            .Register(metrics::registry());
  return family;
}

// KEYS status, outcomes; ARGV run id, now. Returns fresh | resumed | finished.
const redis::Script kBegin(R"lua(
if redis.call('HGET', KEYS[1], 'run_id') == ARGV[1] then
  local state = redis.call('HGET', KEYS[1], 'state')
  if state == 'done' or state == 'failed' then return 'finished' end
  redis.call('HINCRBY', KEYS[1], 'attempts', 1)
  redis.call('HSET', KEYS[1], 'state', 'running', 'updated_at_ms', ARGV[2])
  return 'resumed'
end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('HSET', KEYS[1], 'run_id', ARGV[1], 'state', 'running', 'total', 0, 'done', 0,
  'created', 0, 'linked', 0, 'skipped', 0, 'failed', 0, 'started_at_ms', ARGV[2],
  'updated_at_ms', ARGV[2], 'finished_at_ms', 0, 'attempts', 1, 'error', '')
return 'fresh'
)lua");

// KEYS status, outcomes; ARGV run id, now, then client id / outcome pairs.
// Counts the clients this run has no outcome for yet; 1 or 0 per pair.
const redis::Script kRecord(R"lua(
if redis.call('HGET', KEYS[1], 'run_id') ~= ARGV[1] then
  return redis.error_reply('bulk run replaced')
end
local counted = {}
for i = 3, #ARGV, 2 do
  if redis.call('HSETNX', KEYS[2], ARGV[i], ARGV[i + 1]) == 1 then
    redis.call('HINCRBY', KEYS[1], ARGV[i + 1], 1)
    redis.call('HINCRBY', KEYS[1], 'done', 1)
    counted[#counted + 1] = 1
  else
    counted[#counted + 1] = 0
  end
end
redis.call('HSET', KEYS[1], 'updated_at_ms', ARGV[2])
return counted
)lua");

}  // namespace

Progress::Progress(redis::Client& redis, std::string tenant_id, std::string run_id)
    : redis_(redis), tenant_(std::move(tenant_id)), run_id_(std::move(run_id)) {}

Progress::Begin Progress::begin() {
  auto reply = kBegin.eval(redis_, {bulk::status_key(tenant_), bulk::outcomes_key(tenant_)},
                           {run_id_, std::to_string(now_ms())});
  reply.throw_if_error();
  if (reply.str == "finished") return Begin::finished;
  count_run(reply.str == "fresh" ? "started" : "resumed");
  publish_ratio();
  return reply.str == "fresh" ? Begin::fresh : Begin::resumed;
}

void Progress::set_total(int64_t total) {
  redis_.command({"HSET", bulk::status_key(tenant_), "total", std::to_string(total),
                  "updated_at_ms", std::to_string(now_ms())});
  publish_ratio();
}

std::vector<ClientResult> Progress::record(const std::vector<ClientResult>& results) {
  if (results.empty()) return {};
  std::vector<std::string> args = {run_id_, std::to_string(now_ms())};
  for (const auto& r : results) {
    args.push_back(std::to_string(r.client_id));
    args.emplace_back(domain::bulk::to_string(r.outcome));
  }
  auto reply = kRecord.eval(redis_, {bulk::status_key(tenant_), bulk::outcomes_key(tenant_)}, args,
                            redis::Idempotent::yes);
  reply.throw_if_error();
  std::vector<ClientResult> counted;
  for (size_t i = 0; i < results.size() && i < reply.elements.size(); ++i) {
    if (reply.elements[i].integer != 1) continue;
    counted.push_back(results[i]);
    clients_total()
        .Add({{"result", std::string(domain::bulk::to_string(results[i].outcome))}})
        .Increment();
  }
  publish_ratio();
  return counted;
}

void Progress::finish(std::string_view state, const std::string& error) {
  const std::string now = std::to_string(now_ms());
  redis_.command({"HSET", bulk::status_key(tenant_), "state", std::string(state), "error", error,
                  "finished_at_ms", now, "updated_at_ms", now});
  count_run(state);
  progress_ratio().Add({{"tenant", tenant_}}).Set(1.0);
}

void Progress::count_run(std::string_view result) {
  runs_total().Add({{"result", std::string(result)}}).Increment();
}

void Progress::publish_ratio() {
  auto status = bulk::read_status(redis_, tenant_);
  if (!status) return;
  const double ratio = status->total > 0
                           ? static_cast<double>(status->done) / static_cast<double>(status->total)
                           : 0.0;
  progress_ratio().Add({{"tenant", tenant_}}).Set(ratio);
}

}  // namespace hbsync::poller
