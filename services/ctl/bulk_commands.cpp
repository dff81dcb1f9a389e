// hbsync-ctl bulk-sync: the bulk board -> HubSpot company sync (SPEC F5).
// The poller runs it (so it survives this command going away and shares the
// rate limits); this command asks for it on the requests topic and follows
// the status the poller keeps in Redis (hbsync/bulk/status.hpp).
#include <unistd.h>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <chrono>

#include <iostream>
#include <thread>

#include "ctl.hpp"
#include "hbsync/bulk/status.hpp"
#include "hbsync/service/sync_request.hpp"
#include "hbsync/tenant/keys.hpp"
#include "hbsync/v1/events.pb.h"

namespace hbsync::ctl {
namespace {

using Clock = std::chrono::steady_clock;

const std::vector<OptionSpec> kSpecs = {
    {"--no-wait", "", false}, {"--timeout", "", true}, {"--json", "", false}};

// 0 when every client has a company, 1 when the run failed or some
// clients did not get one.
int exit_code(const bulk::Status& s) {
  return s.state == bulk::state::done && s.failed == 0 ? kOk : kFailed;
}

std::chrono::milliseconds timeout_of(const Args& args) {
  auto text = args.value("--timeout");
  if (!text) return std::chrono::milliseconds(0);
  auto parsed = config::parse_duration(*text);
  if (!parsed || parsed->count() < 0) throw UsageError("--timeout must be a duration, e.g. 10m");
  return *parsed;
}

// Publishes the request (acks=all); its request id is the run id.
std::string request(const KafkaEnvironment& kafka, const std::string& tenant_id) {
  const v1::SyncRequest r = service::make_sync_request(tenant_id, v1::SyncRequest::BULK_COMPANIES,
                                                       "hbsync-ctl", now_ms());
  kafka::Producer producer(kafka.producer);
  const kafka::OutgoingMessage m = service::sync_request_message(kafka.topics.sync_requests, r);
  const kafka::DeliveryResult delivery = producer.produce_sync(m);
  if (!delivery.ok) throw kafka::ReadError(kafka::ReadError::Kind::unavailable, delivery.error);
  return r.request_id();
}

// Draws the status until the run finishes (or the timeout): a bar redrawn in
// place on a terminal, otherwise a line whenever it changed (at most every
// 2 s) so logs stay short.
int follow(redis::Client& redis, const std::string& tenant_id, const std::string& run_id,
           std::chrono::milliseconds timeout) {
  const bool tty = ::isatty(STDERR_FILENO) == 1;
  const auto started = Clock::now();
  auto last_line = Clock::time_point{};
  std::string shown;
  for (;;) {
    auto status = bulk::read_status(redis, tenant_id);
    const bool ours = status && status->run_id == run_id;
    bulk::Status s = ours ? *status : bulk::Status{};
    std::string text = tty ? bulk::progress_bar(s) : bulk::progress_line(s);
    const bool finished = ours && s.finished();
    if (tty) {
      std::cerr << "\r" << text << std::flush;
    } else if (text != shown && (finished || Clock::now() - last_line >= std::chrono::seconds(2))) {
      std::cerr << text << "\n";
      shown = text;
      last_line = Clock::now();
    }
    if (finished) {
      if (tty) std::cerr << "\n";
      std::cout << "run " << run_id << " " << s.state << ": total " << s.total << ", created "
                << s.created << ", linked " << s.linked << ", skipped " << s.skipped << ", failed "
                << s.failed << (s.error.empty() ? "" : " (" + s.error + ")") << "\n";
      return exit_code(s);
    }
    if (timeout.count() > 0 && Clock::now() - started > timeout) {
      if (tty) std::cerr << "\n";
      std::cerr << "still running after " << timeout.count() / 1000 << " s; the poller goes on. "
                << "Follow it with: hbsync-ctl bulk-sync status " << tenant_id << "\n";
      return kFailed;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

int companies(const Args& args) {
  only_options(args, "bulk-sync companies", {"--no-wait", "--timeout"});
  if (args.positional.size() != 2) throw UsageError("bulk-sync companies needs one TENANT");
  const std::string& tenant_id = args.positional[1];
  const auto timeout = timeout_of(args);
  DlqEnvironment env = load_dlq_environment();
  redis::Client redis(env.redis);
  if (redis.command({"EXISTS", tenant::keys::settings(tenant_id)}).integer != 1) {
    std::cerr << "tenant " << tenant_id << " not found\n";
    return kNotFound;
  }
  const std::string run_id = request(env.kafka, tenant_id);
  std::cout << "bulk company sync requested for tenant " << tenant_id << " (run " << run_id << ")\n"
            << std::flush;
  if (args.has("--no-wait")) return kOk;
  return follow(redis, tenant_id, run_id, timeout);
}

int status(const Args& args) {
  only_options(args, "bulk-sync status", {"--json"});
  if (args.positional.size() != 2) throw UsageError("bulk-sync status needs one TENANT");
  const std::string& tenant_id = args.positional[1];
  Environment env = load_environment(false);
  redis::Client redis(env.redis);
  auto s = bulk::read_status(redis, tenant_id);
  if (!s) {
    std::cerr << "no bulk company sync recorded for tenant " << tenant_id << "\n";
    return kNotFound;
  }
  if (args.has("--json")) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    w.StartObject();
    w.Key("run_id");
    w.String(s->run_id.c_str());
    w.Key("state");
    w.String(s->state.c_str());
    for (const auto& [key, value] : {std::pair<const char*, int64_t>{"total", s->total},
                                     {"done", s->done},
                                     {"created", s->created},
                                     {"linked", s->linked},
                                     {"skipped", s->skipped},
                                     {"failed", s->failed},
                                     {"attempts", s->attempts},
                                     {"started_at_ms", s->started_at_ms},
                                     {"updated_at_ms", s->updated_at_ms},
                                     {"finished_at_ms", s->finished_at_ms}}) {
      w.Key(key);
      w.Int64(value);
    }
    w.Key("error");
    w.String(s->error.c_str());
    w.EndObject();
    std::cout << buffer.GetString() << "\n";
  } else {
    std::cout << "run " << s->run_id << " started " << iso_utc(s->started_at_ms) << " updated "
              << iso_utc(s->updated_at_ms) << "\n"
              << bulk::progress_line(*s) << "\n";
  }
  return s->finished() ? exit_code(*s) : kOk;
}

}  // namespace

std::string bulk_help() {
  return R"txt(hbsync-ctl bulk-sync: bulk board -> HubSpot company sync (SPEC F5).

Usage:
  hbsync-ctl bulk-sync companies TENANT [--no-wait] [--timeout D]
  hbsync-ctl bulk-sync status TENANT [--json]

companies  asks the poller (topic sync.requests) to create a HubSpot company for
           every board client of TENANT that has none (an existing company
           with exactly the client's name is linked instead), then shows the
           progress (a bar on a terminal, a line every 2 s otherwise) until
           the run ends. Exit 0 when every client has a company, 1 when the
           run failed or some clients could not get one, 3 unknown tenant, 4
           Redis or Kafka unavailable. --no-wait: exit once the request is
           published. --timeout D (e.g. 10m): stop following after D (exit 1;
           the run goes on).
status     the tenant's last run: counts, state, times (ids and counts only).
)txt";
}

int bulk_main(std::span<const std::string> argv) {
  Args args = parse_args(argv, kSpecs);
  if (args.help || args.positional.empty()) {
    std::cout << bulk_help();
    return args.help ? kOk : kUsage;
  }
  if (args.positional[0] == "companies") return companies(args);
  if (args.positional[0] == "status") return status(args);
  throw UsageError("unknown bulk-sync command \"" + args.positional[0] + "\"");
}

}  // namespace hbsync::ctl
