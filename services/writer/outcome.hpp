// The result of applying one sync command (SPEC F7): the shared outcome
// type, and API failures as outcomes.
#pragma once

#include <string>
#include <string_view>

#include "hbsync/board/result.hpp"
#include "hbsync/hubspot/result.hpp"
#include "hbsync/service/outcome.hpp"

namespace hbsync::writer {

// The outcome of a command: the consumers' shared type (libs/service).
using service::applied;
using service::Outcome;
using service::Reason;
using service::retry;
using service::wait;
// A permanent failure: dead letter, `failed` history entry, claim failed.
inline Outcome failed(Reason reason, std::string message) {
  return service::dead_letter(reason, std::move(message));
}

// "board_validation", "hubspot_not_found": outcomes of API failures, retried
// when the failure is retryable (429, 5xx, network, Redis), failed otherwise.
Outcome board_failure(const board::Error& error, std::string_view call);
Outcome hubspot_failure(const hubspot::Error& error, std::string_view call);

}  // namespace hbsync::writer
