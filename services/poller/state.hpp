// The poller's Redis state of a tenant (keys in hbsync/poll/keys.hpp):
// watermarks and the remembered project states. Every write is fenced: one
// Lua script checks that the run lease still holds this run's token (and,
// for the watermarks, that no later holder's fencing number was stored)
// before it writes, so a run that lost its lease writes nothing.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "changes.hpp"
#include "hbsync/redis/redis.hpp"

namespace hbsync::poller {

struct Watermarks {
  int64_t projects_ms = 0;  // newest project updated_at seen (0: none yet)
  int64_t invoices_ms = 0;  // newest invoice updated_at seen
  int64_t full_ms = 0;      // start of the last completed full reconcile (0: never)
};

// The run's hold on the tenant: the lease key, its token and fencing number.
struct Fence {
  std::string lease_key{};
  std::string token{};
  int64_t number = 0;
};

class State {
 public:
  explicit State(redis::Client& redis) : redis_(redis) {}

  Watermarks watermarks(const std::string& tenant_id);
  // The remembered state of each id (nullopt: none, or unreadable).
  std::map<int64_t, std::optional<ProjectState>> remembered(const std::string& tenant_id,
                                                            const std::vector<int64_t>& ids);
  // Fenced writes; false (nothing written) when the lease is not ours.
  bool remember(const std::string& tenant_id, const Fence& fence,
                const std::vector<std::pair<int64_t, ProjectState>>& states);
  bool commit(const std::string& tenant_id, const Fence& fence, const Watermarks& marks);
  // The lease still holds the fence's token (one GET).
  bool holds(const Fence& fence);

 private:
  redis::Client& redis_;
};

}  // namespace hbsync::poller
