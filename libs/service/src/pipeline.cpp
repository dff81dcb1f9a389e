#include "hbsync/service/pipeline.hpp"

#include <mutex>

#include "hbsync/redis/redis.hpp"
#include "hbsync/service/dead_letter.hpp"

namespace hbsync::service::pipeline {

// Never committed silently: while Redis has no tenant data set (lost,
// docs/operations.md) the message waits for the tenants to be re-applied; a
// tenant that is truly unknown (removed) goes to the dead letters.
std::optional<Outcome> find_tenant(tenant::Store* store, const std::string& tenant_id,
                                   std::optional<tenant::Settings>& settings,
                                   std::string_view noun) {
  if (store == nullptr) {
    static std::once_flag warned;
    std::call_once(warned, [] {
      log::warn("HBSYNC_ENCRYPTION_KEYS is not set: tenant settings cannot be read");
    });
    return retry(Reason::no_encryption_keys, "HBSYNC_ENCRYPTION_KEYS is not set");
  }
  settings = store->get(tenant_id);
  if (settings) return std::nullopt;
  if (!store->instance_marker()) {
    log::warn(std::string(noun) + " of an unknown tenant while redis has no tenant data: retried");
    return retry(Reason::redis_state_lost, "tenant data missing in redis (instance marker gone)");
  }
  log::warn(std::string(noun) + " of an unknown tenant dead-lettered");
  return dead_letter(Reason::unknown_tenant, "tenant " + tenant_id + " is not configured");
}

Outcome from_exception(const std::exception& e, std::string_view noun) {
  if (dynamic_cast<const redis::Error*>(&e) != nullptr) {
    log::error("redis call failed", {{"reason_code", "redis_error"}, {"error", e.what()}});
    return retry(Reason::redis_error, std::string("redis: ") + e.what());
  }
  log::warn(std::string(noun) + " handling failed", {{"error", e.what()}});
  return retry(Reason::internal_error, e.what());
}

Settled decide(const PipelineOptions& options, kafka::Producer& producer, const kafka::Message& m,
               const std::string& tenant_id, Outcome outcome) {
  if (outcome.kind == Outcome::retry && m.retries_exhausted) outcome.kind = Outcome::dead_letter;
  Settled settled{.outcome = std::move(outcome)};
  Outcome& o = settled.outcome;
  if (o.kind == Outcome::dead_letter && options.ledger) {
    if (auto earlier = options.ledger->find(m)) {
      settled.dead_lettered = true;
      settled.dead_letter_id = *earlier;
      settled.repeated = true;
      return settled;
    }
  }
  if (o.kind == Outcome::dead_letter) {
    const std::string code = o.code();
    const auto letter = publish_dead_letter(
        producer, options.dlq_topic, m,
        {.tenant_id = tenant_id, .code = code, .message = o.message}, options.now());
    settled.dead_lettered = letter.has_value();
    settled.dead_letter_id = letter.value_or("");
    if (!settled.dead_lettered) o.kind = Outcome::retry;
  }
  if (o.kind == Outcome::retry || o.kind == Outcome::wait) {
    log::info(options.noun + " will be retried", {{"topic", m.topic},
                                                  {"partition", m.partition},
                                                  {"offset", m.offset},
                                                  {"attempt", m.attempt},
                                                  {"reason_code", o.code()}});
  }
  return settled;
}

void note_dead_letter(const PipelineOptions& options, const kafka::Message& m,
                      const Settled& settled) {
  if (!options.ledger || !settled.dead_lettered || settled.repeated) return;
  if (settled.outcome.kind == Outcome::retry) return;  // settle failed: it comes again
  options.ledger->note(m, settled.dead_letter_id);
}

kafka::HandlerResult result(const Settled& settled, const kafka::Message& m) {
  const auto kind = settled.outcome.kind;
  if (kind == Outcome::retry || kind == Outcome::wait) return kafka::HandlerResult::retry;
  log::debug("message handled",
             {{"topic", m.topic}, {"partition", m.partition}, {"offset", m.offset}});
  return kafka::HandlerResult::done;
}

}  // namespace hbsync::service::pipeline
