#include "hbsync/service/outcome.hpp"

namespace hbsync::service {

std::string_view to_string(Reason reason) {
  switch (reason) {
    case Reason::none:
      return "";
    case Reason::unchanged:
      return "unchanged";
    case Reason::stale:
      return "stale";
    case Reason::skipped:
      return "skipped";
    case Reason::not_linked:
      return "not_linked";
    case Reason::duplicate:
      return "duplicate";
    case Reason::failed_earlier:
      return "failed_earlier";
    case Reason::claim_busy:
      return "claim_busy";
    case Reason::internal_error:
      return "internal_error";
    case Reason::redis_error:
      return "redis_error";
    case Reason::redis_state_lost:
      return "redis_state_lost";
    case Reason::no_encryption_keys:
      return "no_encryption_keys";
    case Reason::kafka_unavailable:
      return "kafka_unavailable";
    case Reason::board_unavailable:
      return "board_unavailable";
    case Reason::claim_lost:
      return "claim_lost";
    case Reason::company_busy:
      return "company_busy";
    case Reason::board_create_unconfirmed:
      return "board_create_unconfirmed";
    case Reason::unknown_tenant:
      return "unknown_tenant";
    case Reason::unknown_order_status:
      return "unknown_order_status";
    case Reason::no_board_user:
      return "no_board_user";
    case Reason::company_not_found:
      return "company_not_found";
    case Reason::project_not_found:
      return "project_not_found";
    case Reason::unsupported_command:
      return "unsupported_command";
    case Reason::api_error:
      return "api_error";
    case Reason::mapping_failed:
      return "mapping_failed";
  }
  return "unknown";
}

std::string Outcome::code() const {
  if (!detail.empty()) return detail;
  return std::string(to_string(reason));
}

Outcome applied(Reason remark) {
  return {.kind = Outcome::done, .reason = remark};
}

Outcome retry(Reason reason, std::string message) {
  return {.kind = Outcome::retry, .reason = reason, .message = std::move(message)};
}

Outcome wait(Reason reason, std::string message) {
  return {.kind = Outcome::wait, .reason = reason, .message = std::move(message)};
}

Outcome dead_letter(Reason reason, std::string message) {
  return {.kind = Outcome::dead_letter, .reason = reason, .message = std::move(message)};
}

}  // namespace hbsync::service
