// hbsync-ctl: operator CLI for platform teams (SPEC F8). Short-lived, so it
// talks to Redis directly instead of through a service; configured from the
// same HBSYNC_* variables as the services.
#include <iostream>

#include "ctl.hpp"
#include "hbsync/log/log.hpp"
#include "hbsync/tenant/settings.hpp"

namespace {

using namespace hbsync::ctl;

std::string help() {
  hbsync::config::Loader loader("hbsync-ctl", "operator CLI");
  declare_environment(loader);
  declare_kafka_environment(loader);
  return R"txt(hbsync-ctl: operator CLI for platform teams (tenants, dead letters, history).

Usage: hbsync-ctl <group> <command> [options]
       hbsync-ctl <group> --help

Commands:
  tenant apply -f FILE [--expect-version N]  create or update a tenant from tenant.json
  tenant get ID                              show a tenant, credentials masked
  tenant list [--json]                       tenant ids
  tenant remove ID --yes                     delete a tenant
  tenant rotate-keys                         re-encrypt credentials with the active key
  dlq list [--tenant T] [--json]             dead letters with reason and state
  dlq show ID [--json]                       one dead letter, payload decoded
  dlq replay ID... [--force]                 send dead letters back to their topic
  dlq replay --all [--tenant T] --yes        replay every pending dead letter
  history TENANT [--limit N] [--json]        a tenant's sync history, newest first
  bulk-sync companies TENANT [--no-wait]     board clients -> HubSpot companies, with progress
  bulk-sync status TENANT [--json]           the tenant's last bulk company sync
  sync now TENANT [--wait] [--timeout D]     board -> HubSpot poll now (--wait: its result)

Exit codes:
  0  ok
  1  validation or operation failed (nothing was saved)
  2  usage or configuration error
  3  not found
  4  Redis unavailable (or Kafka, for the dlq commands)

Only the dlq, sync and bulk-sync commands read the Kafka variables; only tenant apply, get and
rotate-keys need HBSYNC_ENCRYPTION_KEYS.

)txt" + variables_help(loader);
}

int run(std::span<const std::string> args) {
  if (args.empty()) throw UsageError("no command given");
  const std::string& group = args[0];
  if (group == "--help" || group == "-h" || group == "help") {
    std::cout << help();
    return kOk;
  }
  if (group == "tenant") return tenant_main(args.subspan(1));
  if (group == "dlq") return dlq_main(args.subspan(1));
  if (group == "history") return history_main(args.subspan(1));
  if (group == "bulk-sync") return bulk_main(args.subspan(1));
  if (group == "sync") return sync_main(args.subspan(1));
  throw UsageError("unknown command \"" + group + "\"");
}

}  // namespace

int main(int argc, char** argv) {
  // The redis client logs its own JSON lines on failures; a CLI prints one
  // clear message instead, so only errors from libraries get through.
  hbsync::log::init("ctl", hbsync::log::Level::error);
  const std::vector<std::string> args(argv + 1, argv + argc);
  try {
    return run(args);
  } catch (const UsageError& e) {
    std::cerr << "hbsync-ctl: " << e.what() << "\nRun hbsync-ctl --help for usage.\n";
    return kUsage;
  } catch (const hbsync::redis::Error& e) {
    if (e.kind() == hbsync::redis::Error::Kind::connection ||
        e.kind() == hbsync::redis::Error::Kind::timeout) {
      std::cerr << "hbsync-ctl: Redis unavailable (" << e.what()
                << "); check HBSYNC_REDIS_URL and that Redis is running\n";
      return kUnavailable;
    }
    std::cerr << "hbsync-ctl: Redis error: " << e.what() << "\n";
    return kFailed;
  } catch (const hbsync::kafka::ReadError& e) {
    if (e.kind() == hbsync::kafka::ReadError::Kind::unavailable) {
      std::cerr << "hbsync-ctl: Kafka unavailable (" << e.what()
                << "); check HBSYNC_KAFKA_BROKERS and that Kafka is running\n";
      return kUnavailable;
    }
    if (e.kind() == hbsync::kafka::ReadError::Kind::unknown_topic) {
      std::cerr << "hbsync-ctl: " << e.what() << " (check the HBSYNC_TOPIC_* names)\n";
      return kFailed;
    }
    std::cerr << "hbsync-ctl: " << e.what() << "\n";
    return kFailed;
  } catch (const hbsync::tenant::DecryptError& e) {
    std::cerr << "hbsync-ctl: cannot decrypt a stored credential: " << e.what()
              << " (is its key still in HBSYNC_ENCRYPTION_KEYS?)\n";
    return kFailed;
  } catch (const std::exception& e) {
    std::cerr << "hbsync-ctl: " << e.what() << "\n";
    return kFailed;
  }
}
