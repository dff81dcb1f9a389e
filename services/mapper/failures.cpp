#include "failures.hpp"

#include "hbsync/log/log.hpp"

namespace hbsync::mapper {

service::Outcome redis_failure(std::string_view what, const std::string& text) {
  log::error("redis call failed", {{"call", what}, {"error", text}});
  return service::retry(service::Reason::redis_error,
                        std::string(what) + " failed: redis: " + text);
}

service::Outcome hubspot_failure(const hubspot::Error& error, std::string_view what) {
  if (!error.redis_error.empty()) return redis_failure(what, error.redis_error);
  const std::string kind(hubspot::to_string(error.kind));
  log::warn(
      "hubspot call failed",
      {{"call", what}, {"kind", kind}, {"status", error.status}, {"category", error.category}});
  return {.kind = error.retryable() ? service::Outcome::retry : service::Outcome::dead_letter,
          .reason = service::Reason::api_error,
          .detail = "hubspot_" + kind,
          .message = std::string(what) + " failed: " + kind + " (HTTP " +
                     std::to_string(error.status) + ")"};
}

void record_failure(history::History& history, const std::string& tenant_id,
                    const kafka::Message& message, const service::Settled& settled,
                    history::Entry entry) {
  if (!settled.dead_lettered || settled.repeated || tenant_id.empty()) return;
  entry.action = std::string(history::action::failed);
  entry.reason_code = settled.outcome.code();
  entry.message = settled.outcome.message;
  entry.attempts = message.attempt;
  entry.dead_letter = settled.dead_letter_id;
  try {
    history.record(tenant_id, entry);
  } catch (const std::exception& e) {
    log::error(
        "failure not recorded in the history",
        {{"tenant", tenant_id}, {"dead_letter", settled.dead_letter_id}, {"error", e.what()}});
  }
}

}  // namespace hbsync::mapper
