// hbsync-ctl dlq ...: dead letters (SPEC F8; section 3: "after the last
// attempt a dead letter with the reason, replayable"): the command line, list
// and show. Reading the dlq topic is dlq_letters.cpp's, printing
// dlq_format.cpp's, replaying dlq_replay.cpp's (ids: dlq.hpp).
#include <iostream>

#include "ctl.hpp"
#include "dlq.hpp"

namespace hbsync::ctl {
namespace dlq {
namespace {

void no_positionals(const Args& args, const char* command) {
  if (!args.positional.empty()) {
    throw UsageError(std::string("dlq ") + command + " takes no arguments, got \"" +
                     args.positional[0] + "\"");
  }
}

int list(const Args& args) {
  no_positionals(args, "list");
  const auto tenant = tenant_option(args);
  DlqEnvironment env = load_dlq_environment();
  redis::Client redis(env.redis);
  kafka::TopicReader reader(env.kafka.reader);
  std::vector<Letter> letters = read_letters(reader, env.kafka.topics.sync_dlq, redis);
  if (tenant) {
    std::erase_if(letters,
                  [&](const Letter& l) { return !l.parsed || l.dl.tenant_id() != *tenant; });
  }
  if (args.has("--json")) {
    std::cout << list_json(letters);
    return kOk;
  }
  if (letters.empty()) {
    std::cerr << "no dead letters" << (tenant ? " for tenant " + *tenant : std::string()) << " in "
              << env.kafka.topics.sync_dlq << "\n";
    return kOk;
  }
  std::cout << list_table(letters);
  return kOk;
}

int show(const Args& args) {
  if (args.positional.size() != 1) throw UsageError("dlq show takes exactly one dead letter id");
  const Position at = parse_id(args.positional[0]);
  DlqEnvironment env = load_dlq_environment();
  redis::Client redis(env.redis);
  kafka::TopicReader reader(env.kafka.reader);
  auto letter = read_letter(reader, env.kafka.topics.sync_dlq, redis, at);
  if (!letter) {
    std::cerr << "dead letter " << at.id() << " not found in " << env.kafka.topics.sync_dlq << "\n";
    return kNotFound;
  }
  Payload payload;
  if (letter->parsed) payload = decode(env.kafka.topics, letter->dl);
  std::cout << (args.has("--json") ? show_json(*letter, payload) : show_text(*letter, payload));
  return kOk;
}

}  // namespace
}  // namespace dlq

std::string dlq_help() {
  return R"txt(Usage: hbsync-ctl dlq <command> [options]

Dead letters: messages a service gave up on (after its last retry, or on a
permanent error), kept on the dlq topic (HBSYNC_TOPIC_SYNC_DLQ) with the
reason. A dead letter's ID is its position in that topic,
<partition>:<offset>; ORIGIN is where the failed message was.

Commands:
  list [--tenant T] [--json]
                  Every dead letter, oldest failure first: id, tenant, source
                  topic, reason code, attempts, failed at (UTC), state
                  (pending, or replayed and when) and origin.
  show ID [--json]
                  Every field, and the payload decoded (hbsync.v1.SyncCommand
                  from the commands topic, hbsync.v1.HubSpotEvent from the
                  events topic). Sealed (encrypted) fields show as "(sealed)".
  replay ID... [--force] [--as-sent]
  replay --all [--tenant T] [--as-sent] --yes
                  A dead-lettered deal command (sync_deal, or a skip of a
                  deal) is decided afresh by default: an event for the deal
                  goes to the events topic and the mapper re-reads the deal
                  from HubSpot and decides again (a stale decision is not
                  resent). Anything else, or everything with --as-sent, is
                  produced back to its source topic as it was, with its
                  original key. Either way with the schema, the correlation id
                  and the hbsync-replay header (acks=all, waiting for Kafka's
                  acknowledgement); then it is marked replayed. IDs are all
                  checked first: an unknown one (exit 3) or one already
                  replayed (exit 1, unless --force) replays nothing. --all
                  replays only pending ones; without --yes it lists them and
                  exits 2.
)txt";
}

int dlq_main(std::span<const std::string> argv) {
  const std::vector<OptionSpec> specs = {{"--tenant", "", true},   {"--json", "", false},
                                         {"--all", "", false},     {"--force", "", false},
                                         {"--as-sent", "", false}, {"--yes", "-y", false}};
  if (argv.empty()) throw UsageError("dlq needs a command: list, show, replay");
  const std::string& command = argv[0];
  if (command == "--help" || command == "-h" || command == "help") {
    std::cout << dlq_help();
    return kOk;
  }
  Args args = parse_args(argv.subspan(1), specs);
  if (args.help) {
    std::cout << dlq_help();
    return kOk;
  }
  if (command == "list") {
    only_options(args, "dlq list", {"--tenant", "--json"});
    return dlq::list(args);
  }
  if (command == "show") {
    only_options(args, "dlq show", {"--json"});
    return dlq::show(args);
  }
  if (command == "replay") {
    only_options(args, "dlq replay", {"--all", "--tenant", "--force", "--yes", "--as-sent"});
    return dlq::replay(args);
  }
  throw UsageError("unknown dlq command \"" + command + "\" (list, show, replay)");
}

}  // namespace hbsync::ctl
