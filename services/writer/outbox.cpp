#include "outbox.hpp"

#include <charconv>

#include "keys.hpp"

namespace hbsync::writer {
namespace {

// Redis server time in ms (redis::kLuaNowMs): one clock for every replica.
constexpr const char* kNow = redis::kLuaNowMs;

// KEYS: outbox, due. ARGV: deal, board ms, command, linger ms, batch, tenant.
const redis::Script& put_script() {
  static const redis::Script script(std::string(kNow) + R"(
local current = redis.call('HGET', KEYS[1], ARGV[1])
if current then
  local ms = tonumber(string.match(current, '^(%d+):'))
  if ms and ms > tonumber(ARGV[2]) then return 0 end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. ':' .. now .. ':' .. ARGV[3])
local due = now + tonumber(ARGV[4])
if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[5]) then due = now end
local score = redis.call('ZSCORE', KEYS[2], ARGV[6])
if not score or tonumber(score) > due then redis.call('ZADD', KEYS[2], due, ARGV[6]) end
return 1
)");
  return script;
}

// KEYS: outbox, due. ARGV: delay ms, batch, tenant.
const redis::Script& reschedule_script() {
  static const redis::Script script(std::string(kNow) + R"(
local n = redis.call('HLEN', KEYS[1])
if n == 0 then
  redis.call('ZREM', KEYS[2], ARGV[3])
  return 0
end
local due = now + tonumber(ARGV[1])
if n >= tonumber(ARGV[2]) then due = now end
redis.call('ZADD', KEYS[2], due, ARGV[3])
return n
)");
  return script;
}

// KEYS: due. ARGV: limit. Returns {ms until the next tenant not yet due
// (-1: none), due tenant...}.
const redis::Script& due_script() {
  static const redis::Script script(std::string(kNow) + R"(
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
local first = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
local next = -1
if #first == 2 then next = math.max(0, math.ceil(tonumber(first[2]) - now)) end
table.insert(due, 1, next)
return due
)");
  return script;
}

// KEYS: outbox. ARGV: deal, stored value.
const redis::Script& remove_script() {
  static const redis::Script script(R"(
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  return redis.call('HDEL', KEYS[1], ARGV[1])
end
return 0
)");
  return script;
}

int64_t to_int(std::string_view s) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() ? v : 0;
}

// "<board ms>:<queued ms>:<command>"; nullopt when it is not an entry.
std::optional<Outbox::Entry> parse(int64_t deal_id, std::string stored) {
  const size_t a = stored.find(':');
  const size_t b = a == std::string::npos ? a : stored.find(':', a + 1);
  if (b == std::string::npos) return std::nullopt;
  Outbox::Entry e{.deal_id = deal_id,
                  .board_updated_ms = to_int(std::string_view(stored).substr(0, a)),
                  .queued_ms = to_int(std::string_view(stored).substr(a + 1, b - a - 1)),
                  .command = stored.substr(b + 1),
                  .stored = {}};
  e.stored = std::move(stored);
  return e;
}

}  // namespace

Outbox::Outbox(redis::Client& redis, Options options) : redis_(redis), options_(options) {}

bool Outbox::put(const std::string& tenant, int64_t deal_id, int64_t board_updated_ms,
                 const std::string& command) {
  auto reply = put_script().eval(
      redis_, {keys::deal_outbox(tenant), keys::kDealOutboxDue},
      {std::to_string(deal_id), std::to_string(board_updated_ms), command,
       std::to_string(options_.linger.count()), std::to_string(options_.batch), tenant},
      redis::Idempotent::yes);
  const bool stored = reply.integer == 1;
  if (stored && on_put_) on_put_();
  return stored;
}

Outbox::Due Outbox::due(size_t limit) {
  auto reply = due_script().eval(redis_, {keys::kDealOutboxDue}, {std::to_string(limit)},
                                 redis::Idempotent::yes);
  reply.throw_if_error();
  if (!reply.is_array() || reply.elements.empty()) {
    throw redis::Error(redis::Error::Kind::reply, "unexpected outbox due reply");
  }
  Due due;
  if (const int64_t next = reply.elements[0].integer; next >= 0) {
    due.next = std::chrono::milliseconds(next);
  }
  for (size_t i = 1; i < reply.elements.size(); ++i) due.tenants.push_back(reply.elements[i].str);
  return due;
}

std::vector<Outbox::Entry> Outbox::take(const std::string& tenant) {
  std::vector<Entry> entries;
  const std::string key = keys::deal_outbox(tenant);
  std::string cursor = "0";
  do {
    auto reply = redis_.command({"HSCAN", key, cursor, "COUNT", std::to_string(options_.batch)});
    reply.throw_if_error();
    if (!reply.is_array() || reply.elements.size() != 2) {
      throw redis::Error(redis::Error::Kind::reply, "unexpected HSCAN reply");
    }
    cursor = reply.elements[0].str;
    const auto& fields = reply.elements[1].elements;
    for (size_t i = 0; i + 1 < fields.size() && entries.size() < options_.batch; i += 2) {
      const int64_t deal = to_int(fields[i].str);
      bool seen = false;  // HSCAN may return a field twice
      for (const auto& e : entries) seen = seen || e.deal_id == deal;
      if (seen || deal <= 0) continue;
      if (auto e = parse(deal, fields[i + 1].str)) entries.push_back(std::move(*e));
    }
  } while (cursor != "0" && entries.size() < options_.batch);
  return entries;
}

bool Outbox::remove_if_unchanged(const std::string& tenant, const Entry& entry) {
  return remove_script()
             .eval(redis_, {keys::deal_outbox(tenant)},
                   {std::to_string(entry.deal_id), entry.stored}, redis::Idempotent::yes)
             .integer == 1;
}

void Outbox::reschedule(const std::string& tenant, std::chrono::milliseconds delay) {
  reschedule_script().eval(redis_, {keys::deal_outbox(tenant), keys::kDealOutboxDue},
                           {std::to_string(delay.count()), std::to_string(options_.batch), tenant},
                           redis::Idempotent::yes);
}

size_t Outbox::size(const std::string& tenant) {
  return static_cast<size_t>(redis_.command({"HLEN", keys::deal_outbox(tenant)}).integer);
}

}  // namespace hbsync::writer
