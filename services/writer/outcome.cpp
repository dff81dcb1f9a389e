#include "outcome.hpp"

#include "hbsync/log/log.hpp"

namespace hbsync::writer {

namespace {

Outcome redis_failure(std::string_view call, const std::string& text) {
  log::error("redis call failed", {{"call", call}, {"error", text}});
  return retry(Reason::redis_error, std::string(call) + " failed: redis: " + text);
}

template <class Error>
Outcome api_failure(const Error& error, std::string_view call, std::string_view api) {
  if (!error.redis_error.empty()) return redis_failure(call, error.redis_error);
  const std::string kind(to_string(error.kind));
  Outcome out{.kind = error.retryable() ? Outcome::retry : Outcome::dead_letter,
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
