// The flow every consumer of the product follows for one message (mapper:
// hubspot.events, writer: sync.commands; and the commands to come):
//
//   parse (once) -> unreadable? dead letter (unreadable.hpp)
//   -> wanted? (else done, no tenant lookup)
//   -> tenant lookup (unknown tenant: dead letter; Redis lost its tenant
//      data: retried) -> log scope (tenant, correlation id)
//   -> apply (the service's use case) -> Outcome
//   -> a retry after the last attempt becomes a dead letter (a wait does
//      not: another holder finishes the work, or the cause is repaired)
//   -> dead letter published (not acknowledged: retry; published before,
//      by the ledger: not again) -> settle (the service's bookkeeping of the
//      final outcome) -> dead letter noted in the ledger -> done / retry.
//
// A service supplies only the steps in Steps: how to find the tenant, apply
// and (optionally) settle. Thread-safe if the steps are.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "hbsync/kafka/consumer.hpp"
#include "hbsync/kafka/producer.hpp"
#include "hbsync/log/log.hpp"
#include "hbsync/service/dead_letter.hpp"
#include "hbsync/service/outcome.hpp"
#include "hbsync/service/unreadable.hpp"
#include "hbsync/tenant/store.hpp"

namespace hbsync::service {

struct PipelineOptions {
  std::string dlq_topic = "sync.dlq";
  std::string noun = "message";  // "event", "command": in log lines
  Unreadable unreadable{.code = "unreadable_message", .message = "not readable"};
  // A message whose tenant is not found while Redis has lost its tenant data
  // (instance marker gone): true: retried until the tenants are re-applied,
  // never dead-lettered; false: dead-lettered after its last attempt.
  bool lost_state_waits = false;
  // An exception out of apply or settle: true: retried, never
  // dead-lettered; false: dead-lettered after the last attempt.
  bool exceptions_wait = false;
  // Dead letters published for the messages (or their parts) before: none
  // published twice. Without it, a message delivered again before its offset
  // was committed may be dead-lettered again.
  std::optional<DeadLetterLedger> ledger{};
  std::function<std::chrono::system_clock::time_point()> now = [] {
    return std::chrono::system_clock::now();
  };
};

// A message on its way: the parsed payload, once found the tenant, and the
// service's own state of it (`Local`, e.g. the writer's claim).
template <class Proto, class Local>
struct Work {
  const kafka::Message& message;
  Proto payload{};
  std::string tenant_id{};
  std::optional<tenant::Settings> settings{};  // null until found
  Local local{};
};

// The outcome after the pipeline's decisions, handed to settle().
struct Settled {
  Outcome outcome;
  bool dead_lettered = false;    // the dead letter was acknowledged by Kafka
  std::string dead_letter_id{};  // its id in the dlq topic ("<partition>:<offset>")
  // The dead letter was published, and settled, on an earlier delivery
  // (PipelineOptions::ledger): nothing to record again.
  bool repeated = false;
};

// The non-template steps (pipeline.cpp).
namespace pipeline {
// The tenant's settings into `settings`, or the outcome when there are none.
std::optional<Outcome> find_tenant(tenant::Store* store, const std::string& tenant_id,
                                   std::optional<tenant::Settings>& settings,
                                   std::string_view noun);
// An exception out of a step as a retry (logged).
Outcome from_exception(const std::exception& e, std::string_view noun);
// Exhaustion, the dead letter, the log line: the final outcome.
Settled decide(const PipelineOptions& options, kafka::Producer& producer, const kafka::Message& m,
               const std::string& tenant_id, Outcome outcome);
// Notes a dead letter published and settled in the options' ledger.
void note_dead_letter(const PipelineOptions& options, const kafka::Message& m,
                      const Settled& settled);
kafka::HandlerResult result(const Settled& settled, const kafka::Message& m);
}  // namespace pipeline

template <class Proto, class Local = std::monostate>
class Pipeline {
 public:
  struct Steps {
    // The tenant of a parsed message; "" makes it unreadable.
    std::function<std::string(const Proto&)> tenant_of;
    // False: nothing to do (done) before any tenant lookup. Empty: all wanted.
    std::function<bool(const Work<Proto, Local>&)> wanted{};
    std::function<Outcome(Work<Proto, Local>&)> apply;
    // The service's bookkeeping of the final outcome (claims, metrics).
    std::function<void(Work<Proto, Local>&, const Settled&)> settle{};
  };

  // `store` may be null (no encryption keys): every message is retried then.
  Pipeline(PipelineOptions options, tenant::Store* store, kafka::Producer& producer, Steps steps)
      : options_(std::move(options)),
        store_(store),
        producer_(producer),
        steps_(std::move(steps)) {}

  kafka::HandlerResult handle(const kafka::Message& m) const {
    Work<Proto, Local> work{.message = m};
    if (!work.payload.ParseFromArray(m.value.data(), static_cast<int>(m.value.size())) ||
        (work.tenant_id = steps_.tenant_of(work.payload)).empty()) {
      const auto result =
          dead_letter_unreadable(producer_, options_.dlq_topic, m, options_.unreadable,
                                 options_.ledger ? &*options_.ledger : nullptr);
      if (result == kafka::HandlerResult::retry) return result;
      return pipeline::result({}, m);  // dead-lettered: handled
    }
    log::Scope scope(work.tenant_id, m.correlation_id);
    Outcome outcome = run(work);
    Settled settled = pipeline::decide(options_, producer_, m, work.tenant_id, std::move(outcome));
    if (steps_.settle) {
      try {
        steps_.settle(work, settled);
      } catch (const std::exception& e) {
        settled = {.outcome = pipeline::from_exception(e, options_.noun)};
        settled.outcome.kind = Outcome::retry;
      }
    }
    pipeline::note_dead_letter(options_, m, settled);
    return pipeline::result(settled, m);
  }

 private:
  Outcome run(Work<Proto, Local>& work) const {
    try {
      if (steps_.wanted && !steps_.wanted(work)) return applied();
      if (auto missing =
              pipeline::find_tenant(store_, work.tenant_id, work.settings, options_.noun)) {
        if (missing->reason == Reason::redis_state_lost && options_.lost_state_waits) {
          missing->kind = Outcome::wait;
        }
        return *missing;
      }
      return steps_.apply(work);
    } catch (const std::exception& e) {
      Outcome o = pipeline::from_exception(e, options_.noun);
      if (options_.exceptions_wait) o.kind = Outcome::wait;
      return o;
    }
  }

  PipelineOptions options_;
  tenant::Store* store_;
  kafka::Producer& producer_;
  Steps steps_;
};

}  // namespace hbsync::service
