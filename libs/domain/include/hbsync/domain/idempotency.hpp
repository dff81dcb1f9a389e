// Idempotency keys of sync commands (SyncCommand.command_id). The writer
// claims a key in Redis before applying a command, so the same decision
// reached twice (duplicated webhooks, re-delivered Kafka messages, a mapper
// restarted mid-batch) is applied once.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace hbsync::domain {

// Command kinds, named after the SyncCommand oneof fields in
// proto/hbsync/v1/events.proto.
namespace command_kind {
inline constexpr std::string_view sync_deal = "sync_deal";
inline constexpr std::string_view update_order_status = "update_order_status";
inline constexpr std::string_view update_deal = "update_deal";
inline constexpr std::string_view record_skip = "record_skip";
inline constexpr std::string_view deactivate_deal = "deactivate_deal";
inline constexpr std::string_view repoint_links = "repoint_links";
inline constexpr std::string_view sync_company = "sync_company";
inline constexpr std::string_view create_company = "create_company";
}  // namespace command_kind

struct CommandIdentity {
  std::string_view tenant_id;
  std::string_view kind;  // a command_kind
  int64_t object_id = 0;  // the HubSpot deal/company id, or the board client id
  // What the command brings the object to, e.g. "order_5", a stage id, or ""
  // for commands without one.
  std::string_view target;
  // The source change the command answers (deal updatedAt, board updated_at,
  // in epoch ms). Without it a deal moved A -> B -> A would get the same key
  // for both moves to A and the second would be dropped; with it, duplicates
  // of one change still share a key.
  std::optional<int64_t> revision;
  // What the command decided beyond its target, as decision_digest() gives
  // it ("" for commands without one). A source change that does not move the
  // revision can still change the decision: HubSpot does not move a deal's
  // updatedAt when a company is associated, so a deal that failed for want
  // of a named company and then got one is decided again with the same
  // revision; the digest makes that a new command instead of a duplicate of
  // the failed one. The same state decided twice gives the same digest.
  std::string_view decision{};
};

// "v1:<tenant>:<kind>:<object_id>:<target>" plus ":<revision>" when set and
// ":d<decision>" when the decision is not empty. '%' and ':' inside the text
// parts are written as %25 and %3A, so different identities never give the
// same key. Deterministic: no clock, no randomness.
std::string idempotency_key(const CommandIdentity& identity);

// 16 lower-case hex digits (64-bit FNV-1a) over the fields, each prefixed
// by its length so that no two field lists give the same input. Not a
// secret and not a security boundary: it tells decisions of one object at
// one revision apart. Deterministic across processes and builds.
std::string decision_digest(std::initializer_list<std::string_view> fields);

}  // namespace hbsync::domain
