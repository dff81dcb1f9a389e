#include "hbsync/redis/lease.hpp"

#include <openssl/rand.h>

#include <stdexcept>
#include <thread>

namespace hbsync::redis {
namespace {

// ARGV: token, ttl ms
const Script& renew_script() {
  static const Script script(R"(
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
)");
  return script;
}

// ARGV: token
const Script& release_script() {
  static const Script script(R"(
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
)");
  return script;
}

// KEYS: lease, fence counter. ARGV: token, ttl ms. The fencing number, or 0.
const Script& acquire_fenced_script() {
  static const Script script(R"(
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return redis.call('INCR', KEYS[2])
end
return 0
)");
  return script;
}

}  // namespace

Lease::Lease(Client& client, std::string key, std::chrono::milliseconds ttl, std::string token)
    : client_(client), key_(std::move(key)), ttl_(ttl), token_(std::move(token)) {}

std::string Lease::random_token() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("RAND_bytes failed");
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out += hex[b >> 4];
    out += hex[b & 0x0F];
  }
  return out;
}

bool Lease::try_acquire() {
  // Not resent: after a lost answer a resend would find our own lease and
  // report it taken by someone else; the lease then runs out by itself.
  return client_
      .command({"SET", key_, token_, "NX", "PX", std::to_string(ttl_.count())}, Idempotent::no)
      .is_ok();
}

std::optional<int64_t> Lease::try_acquire_fenced() {
  // Not resent, as try_acquire.
  const Reply reply = acquire_fenced_script().eval(client_, {key_, fence_key()},
                                                   {token_, std::to_string(ttl_.count())});
  if (!reply.is_integer() || reply.integer <= 0) return std::nullopt;
  fence_ = reply.integer;
  return fence_;
}

bool Lease::acquire(Clock::time_point deadline, std::chrono::milliseconds poll,
                    const std::function<bool()>& give_up) {
  while (true) {
    if (give_up && give_up()) return false;
    if (try_acquire()) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(poll);
  }
}

bool Lease::renew() {
  return renew_script()
             .eval(client_, {key_}, {token_, std::to_string(ttl_.count())}, Idempotent::yes)
             .integer == 1;
}

bool Lease::release() {
  return release_script().eval(client_, {key_}, {token_}, Idempotent::yes).integer == 1;
}

bool Lease::held() {
  const Reply reply = client_.command({"GET", key_});
  return reply.is_string() && reply.str == token_;
}

}  // namespace hbsync::redis
