// hbsync-ctl dlq ...: dead letters (SPEC F8; section 3: "after the last
// attempt a dead letter with the reason, replayable"). Reads sync.dlq whole
// without a consumer group (kafka::TopicReader), so listing never moves any
// offset; replays produce the original message back to its source topic with
// its original key and remember the replay in Redis.
//
// A dead letter's id is its own position in the dlq topic,
// "<partition>:<offset>": unique and stable for as long as Kafka keeps it.
// DeadLetter.dead_letter_id (where the failed message was: topic, partition,
// offset) is shown as its origin.
#include <google/protobuf/util/json_util.h>
#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "ctl.hpp"
#include "hbsync/service/replay.hpp"
#include "hbsync/json/parse.hpp"
#include "hbsync/tenant/settings.hpp"
#include "hbsync/v1/events.pb.h"

namespace hbsync::ctl {
namespace {

// hash: "<partition>:<offset>" of a dlq message -> epoch ms of its replay.
constexpr const char* kReplayedKey = "hbsync:dlq:replayed";
constexpr const char* kSchemaHeader = "hbsync-schema";
constexpr std::string_view kDeadLetterSchema = "hbsync.v1.DeadLetter";

struct Position {
  int32_t partition = -1;
  int64_t offset = -1;
  std::string id() const { return std::to_string(partition) + ":" + std::to_string(offset); }
  bool operator<(const Position& o) const {
    return partition != o.partition ? partition < o.partition : offset < o.offset;
  }
};

Position parse_id(const std::string& text) {
  const auto bad = [&] {
    return UsageError("\"" + text +
                      "\" is not a dead letter id (<partition>:<offset>, as dlq list shows)");
  };
  const size_t colon = text.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) throw bad();
  const std::string p = text.substr(0, colon), o = text.substr(colon + 1);
  const auto digits = [](const std::string& s) {
    return s.size() <= 18 &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (!digits(p) || !digits(o) || p.size() > 9) throw bad();
  return {static_cast<int32_t>(std::stol(p)), std::stoll(o)};
}

struct Letter {
  Position at;
  bool parsed = false;  // false: the dlq message is not a DeadLetter
  v1::DeadLetter dl;
  int64_t dlq_timestamp_ms = -1;
  std::optional<int64_t> replayed_at_ms;

  int64_t sort_time() const {
    return parsed && dl.failed_at_ms() > 0 ? dl.failed_at_ms() : dlq_timestamp_ms;
  }
};

Letter to_letter(const kafka::Record& r) {
  Letter l;
  l.at = {r.partition, r.offset};
  l.dlq_timestamp_ms = r.timestamp_ms;
  auto schema = r.header(kSchemaHeader);
  l.parsed = (!schema || *schema == kDeadLetterSchema) && l.dl.ParseFromString(r.value);
  return l;
}

// The message type of a source topic's payload; empty when hbsync-ctl does
// not know it (then it neither decodes nor replays the payload).
std::string schema_of(const kafka::Topics& topics, const std::string& source_topic) {
  if (source_topic == topics.sync_commands) return "hbsync.v1.SyncCommand";
  if (source_topic == topics.hubspot_events) return "hbsync.v1.HubSpotEvent";
  return {};
}

std::map<std::string, int64_t> replayed_all(redis::Client& redis) {
  std::map<std::string, int64_t> out;
  const redis::Reply reply = redis.command({"HGETALL", kReplayedKey});
  for (size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
    try {
      out[reply.elements[i].str] = std::stoll(reply.elements[i + 1].str);
    } catch (const std::exception&) {
      out[reply.elements[i].str] = 0;  // replayed, time unknown
    }
  }
  return out;
}

std::optional<int64_t> replayed_one(redis::Client& redis, const Position& at) {
  const redis::Reply reply = redis.command({"HGET", kReplayedKey, at.id()});
  if (!reply.is_string()) return std::nullopt;
  try {
    return std::stoll(reply.str);
  } catch (const std::exception&) {
    return 0;
  }
}

// Every dead letter on the topic, oldest failure first, with its replay state.
std::vector<Letter> read_letters(kafka::TopicReader& reader, const std::string& topic,
                                 redis::Client& redis) {
  std::vector<Letter> letters;
  reader.read_all(topic, [&](const kafka::Record& r) { letters.push_back(to_letter(r)); });
  const auto replayed = replayed_all(redis);
  for (auto& l : letters) {
    auto it = replayed.find(l.at.id());
    if (it != replayed.end()) l.replayed_at_ms = it->second;
  }
  std::sort(letters.begin(), letters.end(), [](const Letter& a, const Letter& b) {
    if (a.sort_time() != b.sort_time()) return a.sort_time() < b.sort_time();
    return a.at < b.at;
  });
  return letters;
}

// The dead letter at `at`, or nullopt when the dlq topic has no message there.
std::optional<Letter> read_letter(kafka::TopicReader& reader, const std::string& topic,
                                  redis::Client& redis, const Position& at) {
  auto record = reader.read_at(topic, at.partition, at.offset);
  if (!record) return std::nullopt;
  Letter l = to_letter(*record);
  l.replayed_at_ms = replayed_one(redis, at);
  return l;
}

std::string state_text(const Letter& l) {
  return l.replayed_at_ms ? "replayed " + iso_utc(*l.replayed_at_ms) : "pending";
}

// Sealed fields (SyncDealToProject.sealed_deal_name: the deal name,
// encrypted) are never shown, not even as ciphertext.
void mask_sealed(rapidjson::Value& value) {
  if (value.IsObject()) {
    for (auto& member : value.GetObject()) {
      if (std::string_view(member.name.GetString()).starts_with("sealed_")) {
        member.value.SetString("(sealed)");
      } else {
        mask_sealed(member.value);
      }
    }
  } else if (value.IsArray()) {
    for (auto& item : value.GetArray()) mask_sealed(item);
  }
}

struct Payload {
  std::string schema;  // empty: unknown source topic
  std::optional<rapidjson::Document> json;
  std::string problem;  // why json is empty
};

Payload decode(const kafka::Topics& topics, const v1::DeadLetter& dl) {
  Payload out;
  out.schema = schema_of(topics, dl.source_topic());
  std::unique_ptr<google::protobuf::Message> message;
  if (out.schema == "hbsync.v1.SyncCommand") message = std::make_unique<v1::SyncCommand>();
  if (out.schema == "hbsync.v1.HubSpotEvent") message = std::make_unique<v1::HubSpotEvent>();
  if (!message) {
    out.problem =
        "not decoded: hbsync-ctl does not know the payloads of topic " + dl.source_topic();
    return out;
  }
  if (!message->ParseFromString(dl.payload())) {
    out.problem = "does not parse as " + out.schema;
    return out;
  }
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string text;
  if (!google::protobuf::util::MessageToJsonString(*message, &text, options).ok()) {
    out.problem = "cannot be printed as JSON";
    return out;
  }
  rapidjson::Document doc;
  if (!hbsync::json::parse(doc, text)) {
    out.problem = "cannot be printed as JSON";
    return out;
  }
  mask_sealed(doc);
  out.json = std::move(doc);
  return out;
}

template <typename Writer>
void write_string(Writer& w, const char* name, const std::string& value) {
  w.Key(name);
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

template <typename Writer>
void write_letter(Writer& w, const Letter& l, const Payload* payload) {
  w.StartObject();
  write_string(w, "id", l.at.id());
  if (!l.parsed) {
    write_string(w, "error", "not a hbsync.v1.DeadLetter");
  } else {
    const auto& dl = l.dl;
    write_string(w, "origin", dl.dead_letter_id());
    write_string(w, "tenant_id", dl.tenant_id());
    write_string(w, "source_topic", dl.source_topic());
    write_string(w, "key", dl.key());
    write_string(w, "reason_code", dl.reason_code());
    write_string(w, "reason", dl.reason());
    w.Key("attempts");
    w.Int(dl.attempts());
    write_string(w, "failed_at", iso_utc(dl.failed_at_ms(), true));
    w.Key("failed_at_ms");
    w.Int64(dl.failed_at_ms());
    write_string(w, "correlation_id", dl.correlation_id());
  }
  write_string(w, "state", l.replayed_at_ms ? "replayed" : "pending");
  w.Key("replayed_at");
  if (l.replayed_at_ms) {
    const std::string at = iso_utc(*l.replayed_at_ms, true);
    w.String(at.data(), static_cast<rapidjson::SizeType>(at.size()));
  } else {
    w.Null();
  }
  w.Key("replayed_at_ms");
  if (l.replayed_at_ms) {
    w.Int64(*l.replayed_at_ms);
  } else {
    w.Null();
  }
  if (payload != nullptr && l.parsed) {
    w.Key("payload_schema");
    if (payload->schema.empty()) {
      w.Null();
    } else {
      w.String(payload->schema.c_str());
    }
    w.Key("payload_bytes");
    w.Uint64(l.dl.payload().size());
    w.Key("payload");
    if (payload->json) {
      payload->json->Accept(w);
    } else {
      w.Null();
    }
    if (!payload->problem.empty()) write_string(w, "payload_error", payload->problem);
  }
  w.EndObject();
}

std::optional<std::string> tenant_option(const Args& args) {
  auto tenant = args.value("--tenant");
  if (tenant && !tenant::is_valid_tenant_id(*tenant)) {
    throw UsageError("--tenant \"" + *tenant +
                     "\" is not a tenant id (a HubSpot portal id: digits, no leading zero)");
  }
  return tenant;
}

void no_positionals(const Args& args, const char* command) {
  if (!args.positional.empty()) {
    throw UsageError(std::string("dlq ") + command + " takes no arguments, got \"" +
                     args.positional[0] + "\"");
  }
}

std::vector<std::string> list_row(const Letter& l) {
  if (!l.parsed) {
    return {l.at.id(),     "-", "-", "(not a DeadLetter)", "-", iso_utc(l.dlq_timestamp_ms),
            state_text(l), "-"};
  }
  return {l.at.id(),
          l.dl.tenant_id().empty() ? "-" : l.dl.tenant_id(),
          l.dl.source_topic(),
          l.dl.reason_code().empty() ? "-" : l.dl.reason_code(),
          std::to_string(l.dl.attempts()),
          iso_utc(l.dl.failed_at_ms()),
          state_text(l),
          l.dl.dead_letter_id().empty() ? "-" : l.dl.dead_letter_id()};
}

const std::vector<std::string> kListHeader = {"ID",       "TENANT",    "SOURCE", "REASON",
                                              "ATTEMPTS", "FAILED_AT", "STATE",  "ORIGIN"};

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
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    w.StartArray();
    for (const auto& l : letters) write_letter(w, l, nullptr);
    w.EndArray();
    std::cout << buffer.GetString() << "\n";
    return kOk;
  }
  if (letters.empty()) {
    std::cerr << "no dead letters" << (tenant ? " for tenant " + *tenant : std::string()) << " in "
              << env.kafka.topics.sync_dlq << "\n";
    return kOk;
  }
  std::vector<std::vector<std::string>> rows = {kListHeader};
  for (const auto& l : letters) rows.push_back(list_row(l));
  std::cout << format_table(rows);
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
  const Letter& l = *letter;
  Payload payload;
  if (l.parsed) payload = decode(env.kafka.topics, l.dl);
  if (args.has("--json")) {
    rapidjson::StringBuffer buffer;
    rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buffer);
    w.SetIndent(' ', 2);
    write_letter(w, l, &payload);
    std::cout << buffer.GetString() << "\n";
    return kOk;
  }
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"id:", l.at.id()});
  if (!l.parsed) {
    rows.push_back({"error:", "the message is not a hbsync.v1.DeadLetter"});
    rows.push_back({"state:", state_text(l)});
    std::cout << format_table(rows);
    return kOk;
  }
  const auto& dl = l.dl;
  rows.push_back({"origin:", dl.dead_letter_id()});
  rows.push_back({"tenant:", dl.tenant_id()});
  rows.push_back({"source_topic:", dl.source_topic()});
  rows.push_back({"key:", dl.key()});
  rows.push_back({"reason_code:", dl.reason_code()});
  rows.push_back({"reason:", dl.reason()});
  rows.push_back({"attempts:", std::to_string(dl.attempts())});
  rows.push_back({"failed_at:", iso_utc(dl.failed_at_ms(), true)});
  rows.push_back({"correlation_id:", dl.correlation_id()});
  rows.push_back({"state:", state_text(l)});
  rows.push_back({"payload:", std::to_string(dl.payload().size()) + " bytes" +
                                  (payload.schema.empty() ? "" : ", " + payload.schema) +
                                  (payload.problem.empty() ? "" : " (" + payload.problem + ")")});
  std::cout << format_table(rows);
  if (payload.json) {
    rapidjson::StringBuffer buffer;
    rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buffer);
    w.SetIndent(' ', 2);
    payload.json->Accept(w);
    std::cout << buffer.GetString() << "\n";
  }
  return kOk;
}

// What a replay sends. A dead-lettered deal command (SyncDealToProject, or a
// RecordSkip of a deal) is by default not sent again as it was: its decision
// was made from HubSpot's state at the time, and HubSpot may have changed
// since in ways that do not move the deal's updatedAt (a company associated,
// a company's name filled in). Instead a synthetic event for the deal
// (service::deal_replay_event) goes to the events topic, so the mapper
// re-reads the deal and decides afresh; the decision keeps the
// `hbsync-replay` header, so the writer applies it even when it equals the
// command that failed. --as-sent sends the original payload instead, as any
// other dead letter is.
struct Replay {
  Letter letter;
  std::string schema;
  std::string topic;
  std::string key;
  std::string value;
  int64_t fresh_deal_id = 0;  // > 0: a fresh decision of this deal
};

// The portal and deal a dead-lettered deal command concerns, or nullopt.
std::optional<std::pair<int64_t, int64_t>> deal_of_command(const v1::DeadLetter& dl) {
  v1::SyncCommand command;
  if (!command.ParseFromString(dl.payload()) || !tenant::is_valid_tenant_id(command.tenant_id())) {
    return std::nullopt;
  }
  int64_t deal_id = 0;
  if (command.has_sync_deal()) deal_id = command.sync_deal().deal_id();
  if (command.has_record_skip() && command.record_skip().object_type() == "deal") {
    deal_id = command.record_skip().object_id();
  }
  if (deal_id <= 0) return std::nullopt;
  return std::pair{std::stoll(command.tenant_id()), deal_id};
}

Replay plan_replay(const kafka::Topics& topics, Letter letter, bool as_sent) {
  Replay r;
  const auto& dl = letter.dl;
  r.schema = schema_of(topics, dl.source_topic());
  r.topic = dl.source_topic();
  r.key = dl.key();
  r.value = dl.payload();
  if (!as_sent && dl.source_topic() == topics.sync_commands) {
    if (auto deal = deal_of_command(dl)) {
      r.schema = schema_of(topics, topics.hubspot_events);
      r.topic = topics.hubspot_events;
      r.key = service::deal_event_key(deal->first, deal->second);
      r.value = service::deal_replay_event(deal->first, deal->second, now_ms()).SerializeAsString();
      r.fresh_deal_id = deal->second;
    }
  }
  r.letter = std::move(letter);
  return r;
}

// Why hbsync-ctl cannot replay `l`, or empty.
std::string unreplayable(const kafka::Topics& topics, const Letter& l) {
  if (!l.parsed) return "the message is not a hbsync.v1.DeadLetter";
  if (schema_of(topics, l.dl.source_topic()).empty()) {
    return "it came from topic \"" + l.dl.source_topic() +
           "\", whose messages hbsync-ctl does not replay";
  }
  return {};
}

int replay(const Args& args) {
  const bool all = args.has("--all");
  if (all && !args.positional.empty()) {
    throw UsageError("dlq replay takes dead letter ids or --all, not both");
  }
  if (!all && args.positional.empty()) {
    throw UsageError("dlq replay needs dead letter ids (as dlq list shows) or --all");
  }
  if (!all && args.has("--tenant")) throw UsageError("--tenant applies to dlq replay --all only");
  if (all && args.has("--force")) {
    throw UsageError("dlq replay --all replays pending dead letters only; --force applies to ids");
  }
  const auto tenant = tenant_option(args);
  const bool as_sent = args.has("--as-sent");
  std::vector<Position> ids;
  std::set<Position> seen;
  for (const auto& text : args.positional) {
    Position at = parse_id(text);
    if (seen.insert(at).second) ids.push_back(at);
  }

  DlqEnvironment env = load_dlq_environment();
  const auto& topics = env.kafka.topics;
  redis::Client redis(env.redis);
  kafka::TopicReader reader(env.kafka.reader);
  std::vector<Replay> plan;
  if (all) {
    for (auto& l : read_letters(reader, topics.sync_dlq, redis)) {
      if (l.replayed_at_ms) continue;
      if (tenant && (!l.parsed || l.dl.tenant_id() != *tenant)) continue;
      if (const std::string why = unreplayable(topics, l); !why.empty()) {
        std::cerr << "skipping dead letter " << l.at.id() << ": " << why << "\n";
        continue;
      }
      plan.push_back(plan_replay(topics, std::move(l), as_sent));
    }
    if (plan.empty()) {
      std::cerr << "no pending dead letters to replay"
                << (tenant ? " for tenant " + *tenant : std::string()) << "\n";
      return kOk;
    }
    if (!args.has("--yes")) {
      std::vector<std::vector<std::string>> rows = {kListHeader};
      for (const auto& r : plan) rows.push_back(list_row(r.letter));
      std::cout << format_table(rows);
      throw UsageError("dlq replay --all would replay the " + std::to_string(plan.size()) +
                       " dead letters above; add --yes to replay them");
    }
  } else {
    // Every id is checked before anything is replayed.
    for (const auto& at : ids) {
      auto l = read_letter(reader, topics.sync_dlq, redis, at);
      if (!l) {
        std::cerr << "dead letter " << at.id() << " not found in " << topics.sync_dlq
                  << "; nothing replayed\n";
        return kNotFound;
      }
      if (const std::string why = unreplayable(topics, *l); !why.empty()) {
        std::cerr << "dead letter " << at.id() << " cannot be replayed: " << why
                  << "; nothing replayed\n";
        return kFailed;
      }
      if (l->replayed_at_ms && !args.has("--force")) {
        std::cerr << "dead letter " << at.id() << " was already replayed at "
                  << iso_utc(*l->replayed_at_ms)
                  << "; add --force to replay it again. Nothing replayed\n";
        return kFailed;
      }
      plan.push_back(plan_replay(topics, std::move(*l), as_sent));
    }
  }

  kafka::Producer producer(env.kafka.producer);
  size_t done = 0;
  for (const auto& r : plan) {
    const auto& dl = r.letter.dl;
    kafka::OutgoingMessage out;
    out.topic = r.topic;
    out.key = r.key;
    out.value = r.value;
    out.headers.emplace_back(kSchemaHeader, r.schema);
    // Tells the writer this is an operator's replay: a command that failed
    // for good is applied again only then, not for any repeat of it.
    out.headers.emplace_back(kafka::kReplayHeader, r.letter.at.id());
    out.correlation_id = dl.correlation_id();
    const kafka::DeliveryResult delivery = producer.produce_sync(std::move(out));
    if (!delivery.ok) {
      std::cerr << "replay of dead letter " << r.letter.at.id() << " failed: " << delivery.error
                << " (" << done << " of " << plan.size() << " replayed)\n";
      return kFailed;
    }
    std::cout << "replayed " << r.letter.at.id() << " (tenant "
              << (dl.tenant_id().empty() ? "-" : dl.tenant_id()) << ", " << dl.reason_code()
              << ", origin " << dl.dead_letter_id() << ") "
              << (r.fresh_deal_id > 0
                      ? "as a fresh decision of deal " + std::to_string(r.fresh_deal_id) + " "
                      : std::string())
              << "to " << r.topic << " " << delivery.partition << ":" << delivery.offset
              << std::endl;
    try {
      redis.command({"HSET", kReplayedKey, r.letter.at.id(), std::to_string(now_ms())});
    } catch (const redis::Error&) {
      std::cerr << "dead letter " << r.letter.at.id()
                << " was replayed but could not be marked replayed in Redis\n";
      throw;
    }
    ++done;
  }
  return kOk;
}

}  // namespace

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
    return list(args);
  }
  if (command == "show") {
    only_options(args, "dlq show", {"--json"});
    return show(args);
  }
  if (command == "replay") {
    only_options(args, "dlq replay", {"--all", "--tenant", "--force", "--yes", "--as-sent"});
    return replay(args);
  }
  throw UsageError("unknown dlq command \"" + command + "\" (list, show, replay)");
}

}  // namespace hbsync::ctl
