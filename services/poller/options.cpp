#include "options.hpp"

namespace hbsync::poller {

PollerOptions PollerOptions::load(config::Loader& loader) {
  PollerOptions o;
  o.tick = loader.duration("HBSYNC_POLLER_TICK", "10s",
                           "How often each poller replica checks every tenant's schedule");
  o.requests.lease_ttl = loader.duration(
      "HBSYNC_POLLER_LEASE_TTL", "60s",
      "Lease of a tenant's running poll, renewed every third of it: how soon the run of a "
      "poller that died is taken over");
  o.requests.run.reconcile_every = loader.duration(
      "HBSYNC_POLLER_RECONCILE_EVERY", "7d",
      "How often a poll is a full reconcile (every project and invoice) instead of incremental");
  o.requests.run.overlap = loader.duration(
      "HBSYNC_POLLER_OVERLAP", "2m",
      "Subtracted from the watermarks in updated_at_gteq, so changes made while the last run "
      "listed are not missed");
  return o;
}

}  // namespace hbsync::poller
