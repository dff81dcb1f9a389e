#include "state.hpp"

#include "keys.hpp"

namespace hbsync::writer {
namespace {

// Redis server time in ms (redis::kLuaNowMs): one clock for every replica.
constexpr const char* kNow = redis::kLuaNowMs;

const redis::Script& claim_script() {
  static const redis::Script script(std::string(kNow) + R"(
local state = redis.call('HGET', KEYS[1], 'state')
local claims = tonumber(redis.call('HGET', KEYS[1], 'claims') or '0')
if state == 'done' or (state == 'failed' and ARGV[4] ~= '1') then
  return {state, claims, redis.call('HGET', KEYS[1], 'outcome') or ''}
end
if state == 'processing' then
  local lease_end = tonumber(redis.call('HGET', KEYS[1], 'until') or '0')
  if lease_end > now and redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then
    return {'busy', claims, tostring(lease_end - now)}
  end
end
claims = redis.call('HINCRBY', KEYS[1], 'claims', 1)
redis.call('HSET', KEYS[1], 'state', 'processing', 'owner', ARGV[1], 'until', now + tonumber(ARGV[2]))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return {'claimed', claims, ''}
)");
  return script;
}

const redis::Script& renew_script() {
  static const redis::Script script(std::string(kNow) + R"(
if redis.call('HGET', KEYS[1], 'state') == 'processing' and
   redis.call('HGET', KEYS[1], 'owner') == ARGV[1] then
  redis.call('HSET', KEYS[1], 'until', now + tonumber(ARGV[2]))
  return 1
end
return 0
)");
  return script;
}

// ARGV: owner, new state (done|failed|released), outcome, ttl ms
const redis::Script& finish_script() {
  static const redis::Script script(R"(
if ARGV[2] == 'released' then
  if redis.call('HGET', KEYS[1], 'owner') == ARGV[1] then
    redis.call('HSET', KEYS[1], 'until', 0)
  end
  return 1
end
redis.call('HSET', KEYS[1], 'state', ARGV[2], 'outcome', ARGV[3], 'until', 0, 'owner', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
)");
  return script;
}

int64_t to_int(const std::string& s) {
  try {
    return std::stoll(s);
  } catch (const std::exception&) {
    return 0;
  }
}

}  // namespace

State::State(redis::Client& redis, Options options) : redis_(redis), options_(options) {}

std::string State::claim_key(std::string_view command_id) {
  return keys::claim(command_id);
}

Claim State::claim(const std::string& command_id, const std::string& owner, bool replay) {
  auto reply =
      claim_script().eval(redis_, {claim_key(command_id)},
                          {owner, std::to_string(options_.claim_lease.count()),
                           std::to_string(options_.idempotency_ttl.count()), replay ? "1" : "0"});
  Claim claim;
  if (!reply.is_array() || reply.elements.size() != 3) {
    throw redis::Error(redis::Error::Kind::reply, "unexpected claim reply");
  }
  const std::string& state = reply.elements[0].str;
  claim.claims = reply.elements[1].integer;
  if (state == "done") {
    claim.state = Claim::State::done;
    claim.outcome = reply.elements[2].str;
  } else if (state == "failed") {
    claim.state = Claim::State::failed;
    claim.outcome = reply.elements[2].str;
  } else if (state == "busy") {
    claim.state = Claim::State::busy;
    claim.retry_in_ms = to_int(reply.elements[2].str);
  } else {
    claim.state = Claim::State::claimed;
  }
  return claim;
}

bool State::renew(const std::string& command_id, const std::string& owner) {
  auto reply = renew_script().eval(redis_, {claim_key(command_id)},
                                   {owner, std::to_string(options_.claim_lease.count())},
                                   redis::Idempotent::yes);
  return reply.integer == 1;
}

void State::complete(const std::string& command_id, const std::string& owner,
                     const std::string& outcome) {
  finish_script().eval(redis_, {claim_key(command_id)},
                       {owner, "done", outcome, std::to_string(options_.idempotency_ttl.count())},
                       redis::Idempotent::yes);
}

void State::fail(const std::string& command_id, const std::string& owner,
                 const std::string& reason) {
  finish_script().eval(redis_, {claim_key(command_id)},
                       {owner, "failed", reason, std::to_string(options_.idempotency_ttl.count())},
                       redis::Idempotent::yes);
}

void State::release(const std::string& command_id, const std::string& owner) {
  finish_script().eval(redis_, {claim_key(command_id)}, {owner, "released", "", "0"},
                       redis::Idempotent::yes);
}

redis::Lease State::company_lock(const std::string& tenant, int64_t company_id,
                                 const std::string& owner) {
  return redis::Lease(redis_, keys::company_lock(tenant, company_id), options_.lock_lease, owner);
}

bool State::try_lock_company(const std::string& tenant, int64_t company_id,
                             const std::string& owner) {
  return company_lock(tenant, company_id, owner).try_acquire();
}

bool State::renew_company_lock(const std::string& tenant, int64_t company_id,
                               const std::string& owner) {
  return company_lock(tenant, company_id, owner).renew();
}

void State::unlock_company(const std::string& tenant, int64_t company_id,
                           const std::string& owner) {
  company_lock(tenant, company_id, owner).release();
}

}  // namespace hbsync::writer
