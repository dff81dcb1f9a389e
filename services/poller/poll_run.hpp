// One board -> HubSpot poll of one tenant (SPEC F4.2, F4.5, F4.6), run by the
// holder of the tenant's run lease (requests.hpp):
//
// 1. projects and invoices changed since the watermarks, minus a small
//    overlap (updated_at_gteq, 100 per page, newest first; 失注 included);
//    a full reconcile (the first run, then every HBSYNC_POLLER_RECONCILE_EVERY,
//    or when asked) lists everything and replaces each project's invoice set;
// 2. merged with what is remembered per project (changes.hpp): a project
//    whose invoices changed is published with all its invoices, the order
//    status remembered; a linked project never seen gets one read of itself
//    and its invoices;
// 3. every linked project (F4.2) whose state is new or changed is published
//    to board.changes keyed "<tenant>:project:<id>", in batches; after each
//    batch is acknowledged, its states are remembered (fenced);
// 4. the watermarks move to the newest updated_at seen (fenced).
//
// A run that dies leaves the old watermarks: the next holder lists the same
// window again (list pages only) and publishes only what was not remembered
// as published. So every change is published at least once, and a change
// already remembered is not published again.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "hbsync/board/api.hpp"
#include "hbsync/kafka/producer.hpp"
#include "hbsync/links/links.hpp"
#include "state.hpp"

namespace hbsync::poller {

struct RunOptions {
  std::chrono::milliseconds overlap{std::chrono::minutes(2)};
  std::chrono::milliseconds reconcile_every{std::chrono::hours(24 * 7)};
  int per_page = 100;
  size_t publish_batch = 100;
};

struct RunInput {
  std::string tenant_id{};
  std::string run_id{};
  bool force_full = false;
  int64_t started_ms = 0;
};

struct RunReport {
  bool ok = false;
  bool retryable = false;  // a later attempt may succeed (board busy, Kafka, lease lost)
  std::string error{};     // a code: board_<kind>, kafka_unavailable, lease_lost
  bool full = false;
  int64_t projects_seen = 0;
  int64_t published = 0;
  int64_t calls = 0;
};

struct RunDeps {
  board::Account account;
  State& state;
  links::Links& links;  // F4.2: which projects are linked
  Fence fence{};
  std::string topic{};  // board.changes
  // Sends the batch; true when Kafka acknowledged every message.
  std::function<bool(std::vector<kafka::OutgoingMessage>)> publish{};
  // The fence check before every publish: false once the lease is lost.
  std::function<bool()> fenced{};
  std::function<int64_t()> now_ms{};
};

RunReport run_poll(const RunInput& input, RunDeps& deps, const RunOptions& options);

}  // namespace hbsync::poller
