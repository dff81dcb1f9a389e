// hbsync-ctl sync now TENANT [--wait] [--timeout D]: asks the poller for a
// board -> HubSpot poll of the tenant now (SPEC F4.1 "sync now"): publishes a
// SyncRequest SYNC_NOW to sync.requests keyed by the tenant. With --wait it
// follows the tenant's run status in Redis (hbsync/poll/status.hpp) until the
// run that took the request finished, and prints its result.
#include <iostream>
#include <sstream>
#include <thread>

#include "ctl.hpp"
#include "hbsync/config/config.hpp"
#include "hbsync/poll/status.hpp"
#include "hbsync/service/sync_request.hpp"
#include "hbsync/tenant/keys.hpp"
#include "hbsync/tenant/settings.hpp"
#include "hbsync/v1/events.pb.h"

namespace hbsync::ctl {
namespace {

std::string describe(const poll::RunStatus& s) {
  std::stringstream out;
  out << "run " << s.run_id << " " << s.state << (s.full ? " (full reconcile)" : "")
      << ": projects seen " << s.projects_seen << ", changes published " << s.published
      << ", board calls " << s.calls << ", started " << iso_utc(s.started_at_ms) << ", finished "
      << iso_utc(s.finished_at_ms);
  if (!s.error.empty()) out << ", error " << s.error;
  return out.str();
}

// Until the run that covers the request finished: ours, or one that started
// after the request was made.
int wait_for_run(redis::Client& redis, const std::string& tenant_id, const std::string& id,
                 int64_t requested_at, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string last_state;
  while (std::chrono::steady_clock::now() < deadline) {
    const poll::RunStatus s = poll::read_status(redis, tenant_id);
    const bool ours = s.request_id == id || s.started_at_ms >= requested_at;
    if (ours && s.state != last_state) {
      std::cerr << "poll " << s.state << "\n";
      last_state = s.state;
    }
    if (ours && (s.state == "succeeded" || s.state == "failed")) {
      std::cout << describe(s) << "\n";
      return s.state == "succeeded" ? kOk : kFailed;
    }
    if (s.last_success_started_ms >= requested_at && s.request_id != id) {
      std::cout << "covered by a run that started after the request\n";
      return kOk;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // polling the status
  }
  std::cerr << "no finished run within the timeout; the request stays queued\n";
  return kUnavailable;
}

int sync_now(const Args& args) {
  if (args.positional.size() != 1) throw UsageError("sync now takes exactly one tenant id");
  const std::string& tenant_id = args.positional[0];
  if (!tenant::is_valid_tenant_id(tenant_id)) {
    throw UsageError("\"" + tenant_id + "\" is not a tenant id (a HubSpot portal id)");
  }
  std::chrono::milliseconds timeout = std::chrono::minutes(10);
  if (auto v = args.value("--timeout")) {
    auto parsed = config::parse_duration(*v);
    if (!parsed || parsed->count() <= 0)
      throw UsageError("--timeout must be a duration (90s, 10m)");
    timeout = *parsed;
  }
  DlqEnvironment env = load_dlq_environment();
  redis::Client redis(env.redis);
  if (redis.command({"SISMEMBER", tenant::keys::kTenants, tenant_id}).integer != 1) {
    std::cerr << "tenant " << tenant_id << " not found\n";
    return kNotFound;
  }
  const v1::SyncRequest request =
      service::make_sync_request(tenant_id, v1::SyncRequest::SYNC_NOW, "hbsync-ctl", now_ms());
  kafka::Producer producer(env.kafka.producer);
  const auto sent =
      producer.produce_sync(service::sync_request_message(env.kafka.topics.sync_requests, request));
  if (!sent.ok) {
    std::cerr << "Kafka did not take the request: " << sent.error << "\n";
    return kUnavailable;
  }
  std::cout << "sync requested for tenant " << tenant_id << " (request " << request.request_id()
            << ")\n";
  if (!args.has("--wait")) return kOk;
  return wait_for_run(redis, tenant_id, request.request_id(), request.requested_at_ms(), timeout);
}

}  // namespace

std::string sync_help() {
  return R"txt(hbsync-ctl sync: board -> HubSpot polls (SPEC F4.1).

Usage:
  hbsync-ctl sync now TENANT [--wait] [--timeout D]

  now     publishes a sync-now request for the tenant to sync.requests; a
          poller runs it (incremental: changes since the last run).
  --wait  follows the tenant's run status until the run finished and prints
          its result (projects seen, changes published, board calls, error).
  --timeout D  how long --wait waits (default 10m).

Exit codes: 0 requested (with --wait: the run succeeded), 1 the run failed,
2 usage, 3 no such tenant, 4 Redis or Kafka unavailable (with --wait: no
finished run within the timeout).
)txt";
}

int sync_main(std::span<const std::string> argv) {
  const std::vector<OptionSpec> specs = {{"--wait", "", false}, {"--timeout", "", true}};
  if (argv.empty()) throw UsageError("sync needs a command: now");
  const std::string& command = argv[0];
  if (command == "--help" || command == "-h" || command == "help") {
    std::cout << sync_help();
    return kOk;
  }
  Args args = parse_args(argv.subspan(1), specs);
  if (args.help) {
    std::cout << sync_help();
    return kOk;
  }
  if (command == "now") return sync_now(args);
  throw UsageError("unknown sync command \"" + command + "\" (now)");
}

}  // namespace hbsync::ctl
