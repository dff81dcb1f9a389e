// The poller's own variables (docs/configuration.md, "Poller").
#pragma once

#include <chrono>

#include "hbsync/config/config.hpp"
#include "requests.hpp"

namespace hbsync::poller {

struct PollerOptions {
  std::chrono::milliseconds tick{std::chrono::seconds(10)};
  RequestOptions requests{};

  // HBSYNC_POLLER_TICK, HBSYNC_POLLER_LEASE_TTL, HBSYNC_POLLER_RECONCILE_EVERY,
  // HBSYNC_POLLER_OVERLAP.
  static PollerOptions load(config::Loader& loader);
};

}  // namespace hbsync::poller
