// The deal outbox: board -> HubSpot deal updates waiting for a batch call
// (SPEC F4.6: deals written in batches of up to 100 per HubSpot call).
//
// Redis, per tenant:
//   hbsync:tenant:<t>:outbox:deals  hash  <dealId> -> "<boardUpdatedMs>:<queuedMs>:<command>"
//     <command> is the UpdateDealFromBoard SyncCommand as decided (protobuf;
//     the amount in it sealed with the tenant keyring, SPEC F9). One entry
//     per deal: a newer board change replaces an older one, an older one
//     never replaces a newer one.
//   hbsync:outbox:deals:due  sorted set  <tenantId> scored by when its
//     batch is due (Redis server clock, ms): the first entry's time plus the
//     linger, or at once when the tenant has a full batch waiting.
// A flusher (flusher.hpp) takes a due tenant's entries, sends them, and
// removes each sent entry only if it is still the one it sent
// (compare-and-delete): an update queued meanwhile stays for the next call.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "hbsync/redis/redis.hpp"

namespace hbsync::writer {

class Outbox {
 public:
  struct Options {
    std::chrono::milliseconds linger{500};  // HBSYNC_WRITER_DEAL_BATCH_LINGER
    size_t batch = 100;                     // HubSpot's batch limit
  };
  struct Entry {
    int64_t deal_id = 0;
    int64_t board_updated_ms = 0;
    int64_t queued_ms = 0;  // Redis server clock
    std::string command;    // the serialized SyncCommand
    std::string stored;     // the whole stored value (compare-and-delete)
  };

  // `redis` must outlive the Outbox. Every call throws redis::Error.
  Outbox(redis::Client& redis, Options options);

  // Queues the deal's update unless a newer board change of the deal is
  // queued. True when stored.
  bool put(const std::string& tenant, int64_t deal_id, int64_t board_updated_ms,
           const std::string& command);
  struct Due {
    std::vector<std::string> tenants;  // due by the Redis server clock, at most `limit`
    // How long until the next tenant not yet due is; nullopt when none waits.
    std::optional<std::chrono::milliseconds> next;
  };
  // The tenants whose batch is due, and when the next one will be (one call).
  Due due(size_t limit);
  // Up to Options::batch entries of the tenant.
  std::vector<Entry> take(const std::string& tenant);
  // Removes the entry if it is still `entry.stored`. True when removed.
  bool remove_if_unchanged(const std::string& tenant, const Entry& entry);
  // After a flush: due again after `delay` while entries are left (at once
  // when a full batch is), off the due set when none are.
  void reschedule(const std::string& tenant, std::chrono::milliseconds delay);
  size_t size(const std::string& tenant);

  const Options& options() const { return options_; }
  // Called after each put that stored an entry (the flusher's wake-up). Set
  // before any put; called on the putting thread.
  void on_put(std::function<void()> listener) { on_put_ = std::move(listener); }

 private:
  redis::Client& redis_;
  Options options_;
  std::function<void()> on_put_;
};

}  // namespace hbsync::writer
