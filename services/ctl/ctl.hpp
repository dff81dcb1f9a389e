// Shared by hbsync-ctl's command groups: exit codes, argument parsing and the
// environment-derived connections (opened only by commands that need them).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "hbsync/board/api.hpp"
#include "hbsync/config/config.hpp"
#include "hbsync/kafka/options.hpp"
#include "hbsync/kafka/producer.hpp"
#include "hbsync/kafka/reader.hpp"
#include "hbsync/redis/redis.hpp"
#include "hbsync/tenant/crypto.hpp"

namespace hbsync::ctl {

// Scripts branch on these, so they are part of the interface (README.md).
enum Exit : int {
  kOk = 0,
  kFailed = 1,       // validation or operation failed
  kUsage = 2,        // bad command line or configuration
  kNotFound = 3,     // the named object does not exist
  kUnavailable = 4,  // Redis or Kafka could not be reached
};

// Thrown for a bad command line; main prints it with a pointer to --help.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct OptionSpec {
  std::string name;   // "--expect-version"
  std::string alias;  // "-f", or empty
  bool takes_value = false;
};

struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::string> options;  // by OptionSpec::name; flags map to ""
  bool help = false;

  bool has(const std::string& name) const { return options.count(name) > 0; }
  std::optional<std::string> value(const std::string& name) const;
};

// Options may appear anywhere; "-" is a positional (stdin). Throws UsageError
// for an unknown option or a missing value.
Args parse_args(std::span<const std::string> argv, const std::vector<OptionSpec>& specs);

// Declares every variable hbsync-ctl reads, so --help can list them.
struct Environment {
  redis::Options redis;
  tenant::Keyring keyring;
  // `tenant apply` reads the tenant's board users (HBSYNC_BOARD_*).
  board::Options board;
};
Environment declare_environment(config::Loader& loader);
std::string variables_help(const config::Loader& loader);

// Loads the environment; on a bad or missing value prints every problem and
// exits kUsage (through Loader::finish). `need_keys`: commands that never
// touch a secret (list, remove) work without HBSYNC_ENCRYPTION_KEYS.
Environment load_environment(bool need_keys);

// What the dlq commands read besides Redis: the same HBSYNC_KAFKA_* and
// HBSYNC_TOPIC_* variables as the services. Declared separately so the
// tenant and history commands never need (or check) Kafka settings.
struct KafkaEnvironment {
  kafka::Topics topics;
  kafka::ProducerOptions producer;
  kafka::ReaderOptions reader;
};
KafkaEnvironment declare_kafka_environment(config::Loader& loader);

// Redis (without encryption keys) and Kafka, for the dlq commands; exits
// kUsage naming each bad variable, like load_environment.
struct DlqEnvironment {
  redis::Options redis;
  KafkaEnvironment kafka;
};
DlqEnvironment load_dlq_environment();

// "2024-05-01T03:04:05Z" (or with ".678" milliseconds) for epoch ms; "-"
// for 0 or less.
std::string iso_utc(int64_t epoch_ms, bool with_millis = false);
int64_t now_ms();

// Rows as columns padded to the widest cell, two spaces apart; the first
// row is the header. The last column is not padded.
std::string format_table(const std::vector<std::vector<std::string>>& rows);

// Rejects options that do not belong to `command` (a mistake reported, not
// silently ignored).
void only_options(const Args& args, const std::string& command,
                  std::initializer_list<const char*> allowed);

int tenant_main(std::span<const std::string> args);
std::string tenant_help();

int dlq_main(std::span<const std::string> args);
std::string dlq_help();

int history_main(std::span<const std::string> args);
std::string history_help();

int bulk_main(std::span<const std::string> args);
std::string bulk_help();
int sync_main(std::span<const std::string> args);
std::string sync_help();

}  // namespace hbsync::ctl
