#include "hbsync/ratelimit/limiter.hpp"

#include <algorithm>
#include <cctype>
#include <random>
#include <stdexcept>
#include <thread>

#include "hbsync/metrics/metrics.hpp"

namespace hbsync::ratelimit {

using std::chrono::milliseconds;

namespace {

// KEYS[1] log, KEYS[2] block. ARGV[1] operation, ARGV[2] operation argument
// (acquire: the grant's member; penalize: the wait in ms), ARGV[3] the number
// of windows, then limit and length (ms) of each.
//
// Times are microseconds as Lua doubles (exact below 2^53, i.e. until the year
// 2255) and are formatted with %.0f because Lua's default number format would
// round them to 14 digits. Answers:
//   acquire  {1, 0, -1, count_1 .. count_n}   granted; counts include it
//            {0, wait_us, window, 0 ..}       window: index (1-based), 0 = penalty
//   penalize {until_us - now_us}
//   usage    {blocked_us, used_1, frees_in_us_1, ..., used_n, frees_in_us_n}
const redis::Script& script() {
  static const redis::Script instance(R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local op = ARGV[1]
local function fmt(x) return string.format('%.0f', x) end

if op == 'penalize' then
  local wait = tonumber(ARGV[2]) * 1000
  local ends = now + wait
  local current = tonumber(redis.call('GET', KEYS[2]) or '0')
  if ends > current then
    redis.call('SET', KEYS[2], fmt(ends), 'PX', math.ceil(wait / 1000) + 1)
    return {ends - now}
  end
  return {current - now}
end

local n = tonumber(ARGV[3])
local blocked = tonumber(redis.call('GET', KEYS[2]) or '0') - now
if blocked < 0 then blocked = 0 end

if op == 'usage' then
  local out = {blocked}
  for i = 1, n do
    local len = tonumber(ARGV[3 + 2 * i]) * 1000
    local from = '(' .. fmt(now - len)
    local used = redis.call('ZCOUNT', KEYS[1], from, '+inf')
    local frees = 0
    if used > 0 then
      local first = redis.call('ZRANGEBYSCORE', KEYS[1], from, '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
      frees = tonumber(first[2]) + len - now
    end
    out[#out + 1] = used
    out[#out + 1] = frees
  end
  return out
end

-- acquire
if blocked > 0 then return {0, blocked, 0} end
local longest = 0
local counts = {}
local wait = 0
local binding = -1
for i = 1, n do
  local limit = tonumber(ARGV[2 + 2 * i])
  local len = tonumber(ARGV[3 + 2 * i]) * 1000
  if len > longest then longest = len end
  local from = '(' .. fmt(now - len)
  local used = redis.call('ZCOUNT', KEYS[1], from, '+inf')
  counts[i] = used
  if used >= limit then
    -- The grant that must leave for a slot to free is the (used - limit + 1)th
    -- oldest in the window; it leaves once now reaches its time + len.
    local e = redis.call('ZRANGEBYSCORE', KEYS[1], from, '+inf', 'WITHSCORES', 'LIMIT',
                         used - limit, 1)
    local w = tonumber(e[2]) + len - now
    -- A server clock that jumped back can leave grants "in the future".
    if w > len then w = len end
    if w < 1 then w = 1 end
    if w > wait then
      wait = w
      binding = i
    end
  end
end
if binding > 0 then return {0, wait, binding} end

redis.call('ZADD', KEYS[1], fmt(now), ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', fmt(now - longest))
redis.call('PEXPIRE', KEYS[1], math.ceil(longest / 1000) + 1000)
local out = {1, 0, -1}
for i = 1, n do out[#out + 1] = counts[i] + 1 end
return out
)lua");
  return instance;
}

// Keys end up in Redis and in admin views: ids and fingerprints only, so an
// e-mail address or a name cannot become part of a key by mistake.
void check_key(const std::string& key) {
  const bool ok =
      !key.empty() && key.size() <= 128 && std::all_of(key.begin(), key.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '-' || c == '_' || c == '.';
      });
  if (!ok) throw std::invalid_argument("rate limit key must be 1-128 of [A-Za-z0-9._-]");
}

milliseconds us_to_ms_ceil(int64_t us) {
  return milliseconds(us <= 0 ? 0 : (us + 999) / 1000);
}

struct Families {
  prometheus::Family<prometheus::Counter>& decisions;
  prometheus::Family<prometheus::Counter>& exhausted;
  prometheus::Family<prometheus::Counter>& penalties;
  prometheus::Family<prometheus::Gauge>& capacity;
};

Families& families() {
  static Families f{
      prometheus::BuildCounter()
          .Name("hbsync_ratelimit_decisions_total")
          .Help("Rate limiter answers, by limit and result (granted, throttled, "
                "budget_exhausted, penalized)")
          .Register(metrics::registry()),
      prometheus::BuildCounter()
          .Name("hbsync_ratelimit_exhausted_total")
          .Help("Times a budget window (board's daily budget) was used up, by limit; "
                "counted once per exhaustion by the replica that took the last slot")
          .Register(metrics::registry()),
      prometheus::BuildCounter()
          .Name("hbsync_ratelimit_penalties_total")
          .Help("429 answers that blocked every replica until Retry-After, by limit")
          .Register(metrics::registry()),
      prometheus::BuildGauge()
          .Name("hbsync_ratelimit_window_capacity")
          .Help("Grants a limiter allows per key in one window (its configured limit), by "
                "limit and window (second, day, ...)")
          .Register(metrics::registry()),
  };
  return f;
}

std::string random_instance() {
  std::random_device device;
  static constexpr char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string id;
  for (int i = 0; i < 8; ++i) id += digits[device() % 36];
  return id;
}

std::string base36(uint64_t value) {
  static constexpr char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string out;
  do {
    out.insert(out.begin(), digits[value % 36]);
    value /= 36;
  } while (value != 0);
  return out;
}

int64_t integer_at(const redis::Reply& reply, size_t index) {
  if (!reply.is_array() || index >= reply.elements.size() || !reply.elements[index].is_integer()) {
    throw redis::Error(redis::Error::Kind::protocol, "unexpected rate limit script reply");
  }
  return reply.elements[index].integer;
}

}  // namespace

const char* to_string(Reason reason) {
  switch (reason) {
    case Reason::granted:
      return "granted";
    case Reason::throttled:
      return "throttled";
    case Reason::budget_exhausted:
      return "budget_exhausted";
    case Reason::penalized:
      return "penalized";
  }
  return "unknown";
}

Limiter::Limiter(redis::Client& redis, std::string name, std::vector<Window> windows)
    : redis_(redis),
      name_(std::move(name)),
      windows_(std::move(windows)),
      instance_(random_instance()) {
  if (name_.empty() || name_.find(':') != std::string::npos) {
    throw std::invalid_argument("rate limit name must be non-empty and without ':'");
  }
  if (windows_.empty()) throw std::invalid_argument("rate limit " + name_ + " has no window");
  for (const Window& w : windows_) {
    if (w.limit < 1 || w.length < milliseconds(1)) {
      throw std::invalid_argument("rate limit " + name_ + ": limit >= 1 and length >= 1ms");
    }
  }
  auto& f = families();
  granted_ = &f.decisions.Add({{"limit", name_}, {"result", "granted"}});
  throttled_ = &f.decisions.Add({{"limit", name_}, {"result", "throttled"}});
  exhausted_decisions_ = &f.decisions.Add({{"limit", name_}, {"result", "budget_exhausted"}});
  penalized_ = &f.decisions.Add({{"limit", name_}, {"result", "penalized"}});
  exhausted_ = &f.exhausted.Add({{"limit", name_}});
  penalties_ = &f.penalties.Add({{"limit", name_}});
  for (size_t i = 0; i < windows_.size(); ++i) {
    const std::string& window = windows_[i].name;
    f.capacity.Add({{"limit", name_}, {"window", window.empty() ? std::to_string(i) : window}})
        .Set(static_cast<double>(windows_[i].limit));
  }
}

std::string Limiter::log_key(const std::string& key) const {
  return "hbsync:rl:" + name_ + ":" + key + ":log";
}

std::string Limiter::block_key(const std::string& key) const {
  return "hbsync:rl:" + name_ + ":" + key + ":block";
}

std::vector<std::string> Limiter::window_args() const {
  std::vector<std::string> args{std::to_string(windows_.size())};
  for (const Window& w : windows_) {
    args.push_back(std::to_string(w.limit));
    args.push_back(std::to_string(w.length.count()));
  }
  return args;
}

Decision Limiter::acquire(const std::string& key) {
  check_key(key);
  std::vector<std::string> args{"acquire", instance_ + base36(counter_.fetch_add(1))};
  auto windows = window_args();
  args.insert(args.end(), windows.begin(), windows.end());
  const redis::Reply reply = script().eval(redis_, {log_key(key), block_key(key)}, args);

  Decision decision;
  if (integer_at(reply, 0) == 1) {
    decision.allowed = true;
    granted_->Increment();
    for (size_t i = 0; i < windows_.size(); ++i) {
      if (windows_[i].budget && integer_at(reply, 3 + i) == windows_[i].limit) {
        exhausted_->Increment();
      }
    }
    return decision;
  }
  decision.wait = us_to_ms_ceil(integer_at(reply, 1));
  const int64_t window = integer_at(reply, 2);
  if (window <= 0) {
    decision.reason = Reason::penalized;
    penalized_->Increment();
  } else {
    decision.window = static_cast<int>(window - 1);
    if (windows_[decision.window].budget) {
      decision.reason = Reason::budget_exhausted;
      exhausted_decisions_->Increment();
    } else {
      decision.reason = Reason::throttled;
      throttled_->Increment();
    }
  }
  return decision;
}

Decision Limiter::wait_acquire(const std::string& key, milliseconds max_wait) {
  const auto deadline = std::chrono::steady_clock::now() + max_wait;
  // Callers that were denied together would otherwise all wake at the same
  // microsecond and race for one slot; a little jitter spreads them.
  thread_local std::minstd_rand jitter_rng{std::random_device{}()};
  for (;;) {
    Decision decision = acquire(key);
    if (decision.allowed) return decision;
    const auto left =
        std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
    if (decision.wait > left) return decision;
    std::uniform_int_distribution<int> jitter(1, 5);
    std::this_thread::sleep_for(std::min(decision.wait + milliseconds(jitter(jitter_rng)), left));
  }
}

void Limiter::penalize(const std::string& key, milliseconds retry_after) {
  check_key(key);
  if (retry_after <= milliseconds::zero()) return;
  penalties_->Increment();
  // Running it twice sets the same or a later end: harmless, so it may be resent.
  script().eval(redis_, {log_key(key), block_key(key)},
                {"penalize", std::to_string(retry_after.count()), "0"}, redis::Idempotent::yes);
}

Usage Limiter::usage(const std::string& key) {
  check_key(key);
  std::vector<std::string> args{"usage", ""};
  auto windows = window_args();
  args.insert(args.end(), windows.begin(), windows.end());
  const redis::Reply reply =
      script().eval(redis_, {log_key(key), block_key(key)}, args, redis::Idempotent::yes);
  Usage usage;
  usage.blocked_for = us_to_ms_ceil(integer_at(reply, 0));
  for (size_t i = 0; i < windows_.size(); ++i) {
    WindowUsage w{windows_[i]};
    w.used = integer_at(reply, 1 + 2 * i);
    w.remaining = std::max<int64_t>(0, windows_[i].limit - w.used);
    w.frees_in = us_to_ms_ceil(integer_at(reply, 2 + 2 * i));
    usage.windows.push_back(std::move(w));
  }
  return usage;
}

}  // namespace hbsync::ratelimit
