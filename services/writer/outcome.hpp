// The result of applying one sync command, and the reason codes it carries
// into the claim, the history and the dead letters (SPEC F7).
#pragma once

#include <string>
#include <string_view>

#include "hbsync/board/result.hpp"
#include "hbsync/hubspot/result.hpp"

namespace hbsync::writer {

// Why a command ended as it did. Control flow looks at these, never at the
// strings: to_string() gives the code written to the claim, the history and
// the dead letter. `api_error` and `mapping_failed` take their code from the
// failure (Outcome::detail: "board_validation", "hubspot_not_found", ...).
enum class Reason {
  none,  // applied
  unchanged,
  stale,
  skipped,
  not_linked,
  claim_lost,  // another writer took the claim over: never dead-lettered from here
  redis_error,
  company_busy,
  board_create_unconfirmed,
  api_error,
  mapping_failed,
  unknown_order_status,
  no_board_user,
  company_not_found,
  project_not_found,
  unsupported_command,
};

std::string_view to_string(Reason reason);

struct Outcome {
  enum Kind { done, retry, failed } kind = done;
  Reason reason = Reason::none;
  std::string detail{};   // the code of api_error / mapping_failed
  std::string message{};  // ids and codes only

  // The reason code ("" when applied without a remark).
  std::string code() const;
};

Outcome applied(Reason remark = Reason::none);
Outcome retry(Reason reason, std::string message);
Outcome failed(Reason reason, std::string message);

// "board_validation", "hubspot_not_found": outcomes of API failures, retried
// when the failure is retryable (429, 5xx, network, Redis), failed otherwise.
Outcome board_failure(const board::Error& error, std::string_view call);
Outcome hubspot_failure(const hubspot::Error& error, std::string_view call);

}  // namespace hbsync::writer
