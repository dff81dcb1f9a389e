// The outcome of one consumed message, shared by every consumer (mapper,
// writer): done, retry (Kafka delivers it again after a backoff) or dead
// letter, with a reason code. Control flow reads the Reason enum; the code
// strings (to_string) go to claims, history, logs and dead letters.
#pragma once

#include <string>
#include <string_view>

namespace hbsync::service {

enum class Reason {
  none,  // applied
  // done, with a remark
  unchanged,
  stale,
  skipped,
  not_linked,
  duplicate,       // applied before
  failed_earlier,  // dead-lettered before: waits for an operator's replay
  // retried
  internal_error,
  redis_error,
  redis_state_lost,  // Redis lost its tenant data (instance marker gone)
  no_encryption_keys,
  kafka_unavailable,
  board_unavailable,
  claim_lost,  // another writer took the claim over: never dead-lettered from here
  claim_busy,  // another writer holds the claim
  company_busy,
  board_create_unconfirmed,
  // dead-lettered
  unknown_tenant,
  unknown_order_status,
  no_board_user,
  company_not_found,
  project_not_found,
  unsupported_command,
  // the code is Outcome::detail ("board_validation", "hubspot_not_found",
  // "missing_company_name", ...)
  api_error,
  mapping_failed,
};

std::string_view to_string(Reason reason);

struct Outcome {
  // wait: retried like retry, but never dead-lettered after the last attempt
  // (another holder finishes the work, or the cause is being repaired).
  enum Kind { done, retry, wait, dead_letter } kind = done;
  Reason reason = Reason::none;
  std::string detail{};   // the code of api_error / mapping_failed
  std::string message{};  // ids and codes only, no personal data

  // The reason code ("" when applied without a remark).
  std::string code() const;
};

Outcome applied(Reason remark = Reason::none);
Outcome retry(Reason reason, std::string message);
Outcome wait(Reason reason, std::string message);
Outcome dead_letter(Reason reason, std::string message);

}  // namespace hbsync::service
