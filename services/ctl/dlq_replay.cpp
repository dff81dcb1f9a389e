// hbsync-ctl dlq replay: replays produce the original message back to its
// source topic with its original key (or a fresh decision of a deal, below)
// and remember the replay in Redis (kReplayedKey).
#include <iostream>
#include <set>

#include "dlq.hpp"
#include "hbsync/service/dlq_replay.hpp"

namespace hbsync::ctl::dlq {
namespace {

// What a replay sends (service::dlq::plan_replay: a fresh decision of a
// dead-lettered deal command unless --as-sent, else the original payload).
struct Replay {
  Letter letter;
  service::dlq::Replay send;
};

Replay plan_replay(const kafka::Topics& topics, Letter letter, bool as_sent) {
  auto send = service::dlq::plan_replay(topics, letter.dl, letter.at.id(), as_sent, now_ms());
  if (!send) throw std::logic_error("plan_replay of an unreplayable dead letter");
  return {.letter = std::move(letter), .send = std::move(*send)};
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

void check_replay_args(const Args& args, bool all) {
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
}

// The ids on the command line, each once, in their order.
std::vector<Position> ids_of(const Args& args) {
  std::vector<Position> ids;
  std::set<Position> seen;
  for (const auto& text : args.positional) {
    Position at = parse_id(text);
    if (seen.insert(at).second) ids.push_back(at);
  }
  return ids;
}

struct Context {
  const Args& args;
  const kafka::Topics& topics;
  redis::Client& redis;
  kafka::TopicReader& reader;
  bool as_sent = false;
};

// --all: every pending dead letter (of the tenant); nullopt to go on and
// replay `plan`, else the exit code.
std::optional<int> plan_all(const Context& c, const std::optional<std::string>& tenant,
                            std::vector<Replay>& plan) {
  for (auto& l : read_letters(c.reader, c.topics.sync_dlq, c.redis)) {
    if (l.replayed_at_ms) continue;
    if (tenant && (!l.parsed || l.dl.tenant_id() != *tenant)) continue;
    if (const std::string why = unreplayable(c.topics, l); !why.empty()) {
      std::cerr << "skipping dead letter " << l.at.id() << ": " << why << "\n";
      continue;
    }
    plan.push_back(plan_replay(c.topics, std::move(l), c.as_sent));
  }
  if (plan.empty()) {
    std::cerr << "no pending dead letters to replay"
              << (tenant ? " for tenant " + *tenant : std::string()) << "\n";
    return kOk;
  }
  if (!c.args.has("--yes")) {
    std::vector<Letter> letters;
    for (const auto& r : plan) letters.push_back(r.letter);
    std::cout << list_table(letters);
    throw UsageError("dlq replay --all would replay the " + std::to_string(plan.size()) +
                     " dead letters above; add --yes to replay them");
  }
  return std::nullopt;
}

// The ids: every one is checked before anything is replayed. nullopt to go
// on and replay `plan`, else the exit code.
std::optional<int> plan_ids(const Context& c, const std::vector<Position>& ids,
                            std::vector<Replay>& plan) {
  for (const auto& at : ids) {
    auto l = read_letter(c.reader, c.topics.sync_dlq, c.redis, at);
    if (!l) {
      std::cerr << "dead letter " << at.id() << " not found in " << c.topics.sync_dlq
                << "; nothing replayed\n";
      return kNotFound;
    }
    if (const std::string why = unreplayable(c.topics, *l); !why.empty()) {
      std::cerr << "dead letter " << at.id() << " cannot be replayed: " << why
                << "; nothing replayed\n";
      return kFailed;
    }
    if (l->replayed_at_ms && !c.args.has("--force")) {
      std::cerr << "dead letter " << at.id() << " was already replayed at "
                << iso_utc(*l->replayed_at_ms)
                << "; add --force to replay it again. Nothing replayed\n";
      return kFailed;
    }
    plan.push_back(plan_replay(c.topics, std::move(*l), c.as_sent));
  }
  return std::nullopt;
}

void print_replayed(const Replay& r, const kafka::DeliveryResult& delivery) {
  const auto& dl = r.letter.dl;
  std::cout << "replayed " << r.letter.at.id() << " (tenant "
            << (dl.tenant_id().empty() ? "-" : dl.tenant_id()) << ", " << dl.reason_code()
            << ", origin " << dl.dead_letter_id() << ") "
            << (r.send.fresh_deal_id > 0
                    ? "as a fresh decision of deal " + std::to_string(r.send.fresh_deal_id) + " "
                    : std::string())
            << "to " << r.send.message.topic << " " << delivery.partition << ":" << delivery.offset
            << std::endl;
}

// Produces each replay (acks=all) and marks it replayed; the exit code.
int send(const kafka::ProducerOptions& options, redis::Client& redis,
         const std::vector<Replay>& plan) {
  kafka::Producer producer(options);
  size_t done = 0;
  for (const auto& r : plan) {
    const kafka::DeliveryResult delivery = producer.produce_sync(r.send.message);
    if (!delivery.ok) {
      std::cerr << "replay of dead letter " << r.letter.at.id() << " failed: " << delivery.error
                << " (" << done << " of " << plan.size() << " replayed)\n";
      return kFailed;
    }
    print_replayed(r, delivery);
    try {
      service::dlq::mark_replayed(redis, r.letter.at.id(), now_ms());
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

int replay(const Args& args) {
  const bool all = args.has("--all");
  check_replay_args(args, all);
  const auto tenant = tenant_option(args);
  const std::vector<Position> ids = ids_of(args);

  DlqEnvironment env = load_dlq_environment();
  redis::Client redis(env.redis);
  kafka::TopicReader reader(env.kafka.reader);
  const Context context{.args = args,
                        .topics = env.kafka.topics,
                        .redis = redis,
                        .reader = reader,
                        .as_sent = args.has("--as-sent")};
  std::vector<Replay> plan;
  const std::optional<int> stop =
      all ? plan_all(context, tenant, plan) : plan_ids(context, ids, plan);
  if (stop) return *stop;
  return send(env.kafka.producer, redis, plan);
}

}  // namespace hbsync::ctl::dlq
