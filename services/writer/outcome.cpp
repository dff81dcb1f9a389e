#include "outcome.hpp"

#include "hbsync/log/log.hpp"

namespace hbsync::writer {

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
    case Reason::claim_lost:
      return "claim_lost";
    case Reason::redis_error:
      return "redis_error";
    case Reason::company_busy:
      return "company_busy";
    case Reason::board_create_unconfirmed:
      return "board_create_unconfirmed";
    case Reason::api_error:
      return "api_error";
    case Reason::mapping_failed:
      return "mapping_failed";
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

Outcome failed(Reason reason, std::string message) {
  return {.kind = Outcome::failed, .reason = reason, .message = std::move(message)};
}

namespace {

Outcome redis_failure(std::string_view call, const std::string& text) {
  log::error("redis call failed", {{"call", call}, {"error", text}});
  return retry(Reason::redis_error, std::string(call) + " failed: redis: " + text);
}

template <class Error>
Outcome api_failure(const Error& error, std::string_view call, std::string_view api) {
  if (!error.redis_error.empty()) return redis_failure(call, error.redis_error);
  const std::string kind(to_string(error.kind));
  Outcome out{.kind = error.retryable() ? Outcome::retry : Outcome::failed,
              .reason = Reason::api_error,
              .detail = std::string(api) + "_" + kind,
              .message = std::string(call) + " failed: " + kind + " (HTTP " +
                         std::to_string(error.status) + ")"};
  log::warn(std::string(api) + " call failed",
            {{"call", call}, {"kind", kind}, {"status", error.status}});
  return out;
}

}  // namespace

Outcome board_failure(const board::Error& error, std::string_view call) {
  return api_failure(error, call, "board");
}

Outcome hubspot_failure(const hubspot::Error& error, std::string_view call) {
  return api_failure(error, call, "hubspot");
}

}  // namespace hbsync::writer
