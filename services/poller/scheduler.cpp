#include "scheduler.hpp"

#include "hbsync/domain/schedule.hpp"
#include "hbsync/log/log.hpp"
#include "hbsync/poll/keys.hpp"
#include "hbsync/poll/status.hpp"
#include "metrics.hpp"

namespace hbsync::poller {
namespace {

using std::chrono::system_clock;

int64_t to_ms(system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

system_clock::time_point from_ms(int64_t ms) {
  return system_clock::time_point(std::chrono::milliseconds(ms));
}

// KEYS: next-run hash. ARGV: field, expected ("" = absent), new value,
// signature field, signature. 1 when the field held the expected value.
const redis::Script& cas_script() {
  static const redis::Script script(R"(
local current = redis.call('HGET', KEYS[1], ARGV[1]) or ''
if current ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3], ARGV[4], ARGV[5])
return 1
)");
  return script;
}

bool cas(redis::Client& redis, const std::string& key, const std::string& field,
         const std::string& expected, const std::string& next, const std::string& signature) {
  return cas_script()
             .eval(redis, {key}, {field, expected, next, field + "_sig", signature},
                   redis::Idempotent::no)
             .integer == 1;
}

}  // namespace

Scheduler::Scheduler(redis::Client& redis, tenant::Store& store, Publish publish, Clock clock)
    : redis_(redis), store_(store), publish_(std::move(publish)), clock_(std::move(clock)) {}

int Scheduler::tick() {
  const auto now = clock_();
  int fired = 0;
  double oldest = 0;
  for (const std::string& tenant_id : store_.list()) {
    try {
      auto settings = store_.get(tenant_id);
      // Signed in but board not connected yet (F1.2 before F1.1): no polls.
      if (!settings || !settings->board.connected()) continue;
      fired += tick_tenant(*settings, now);
      const auto status = poll::read_status(redis_, tenant_id);
      if (status.last_success_at_ms > 0) {
        oldest = std::max(oldest, (to_ms(now) - status.last_success_at_ms) / 1000.0);
      }
    } catch (const std::exception& e) {
      log::warn("schedule check failed", {{"tenant", tenant_id}, {"error", e.what()}});
    }
  }
  metrics::oldest_success_age(oldest);
  return fired;
}

void Scheduler::run(std::chrono::milliseconds every) {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    try {
      tick();
    } catch (const std::exception& e) {
      log::warn("schedule tick failed", {{"error", e.what()}});
    }
    lock.lock();
    wake_.wait_for(lock, every, [this] { return stopping_; });
  }
}

void Scheduler::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
}

int Scheduler::tick_tenant(const tenant::Settings& s, system_clock::time_point now) {
  const std::string key = poll::keys::next_run(s.tenant_id);
  const redis::Reply r =
      redis_.command({"HMGET", key, "daily", "daily_sig", "interval", "interval_sig"});
  auto field = [&](size_t i) {
    return r.elements.size() > i && r.elements[i].is_string() ? r.elements[i].str : std::string();
  };
  int fired = 0;
  if (auto daily = domain::parse_daily_schedule(s.schedule.time, s.schedule.time_zone)) {
    const std::string sig = s.schedule.time + " " + s.schedule.time_zone;
    const std::string due = field(0);
    if (due.empty() || field(1) != sig) {
      cas(redis_, key, "daily", due, std::to_string(to_ms(domain::next_daily_run(*daily, now))),
          sig);
    } else if (from_ms(std::stoll(due)) <= now) {
      fired += fire(s.tenant_id, "daily", due, domain::next_daily_run(*daily, now), sig,
                    v1::SyncRequest::SCHEDULED)
                   ? 1
                   : 0;
    }
  }
  const int interval = s.schedule.interval_minutes;
  const std::string sig = std::to_string(interval);
  const std::string due = field(2);
  if (interval <= 0) {
    if (!due.empty()) redis_.command({"HDEL", key, "interval", "interval_sig"});
  } else if (due.empty() || field(3) != sig) {
    cas(redis_, key, "interval", due, std::to_string(to_ms(now + std::chrono::minutes(interval))),
        sig);
  } else if (from_ms(std::stoll(due)) <= now) {
    const auto next =
        domain::next_interval_run(from_ms(std::stoll(due)), std::chrono::minutes(interval), now);
    fired += fire(s.tenant_id, "interval", due, next, sig, v1::SyncRequest::INTERVAL) ? 1 : 0;
  }
  return fired;
}

bool Scheduler::fire(const std::string& tenant_id, const std::string& field, const std::string& due,
                     system_clock::time_point next, const std::string& signature,
                     v1::SyncRequest::Kind kind) {
  const std::string key = poll::keys::next_run(tenant_id);
  const std::string next_text = std::to_string(to_ms(next));
  if (!cas(redis_, key, field, due, next_text, signature)) return false;  // another replica won
  v1::SyncRequest request;
  request.set_tenant_id(tenant_id);
  request.set_request_id(tenant_id + ":" + field + ":" + due);
  request.set_kind(kind);
  request.set_requested_at_ms(to_ms(clock_()));
  request.set_requested_by("schedule");
  if (!publish_(request)) {
    cas(redis_, key, field, next_text, due, signature);  // due again at the next tick
    log::warn("scheduled request not published", {{"tenant", tenant_id}, {"kind", field}});
    return false;
  }
  metrics::scheduled(field == "daily" ? "scheduled" : "interval");
  log::info("scheduled poll requested",
            {{"tenant", tenant_id}, {"kind", field}, {"due_ms", due}, {"next_ms", next_text}});
  return true;
}

}  // namespace hbsync::poller
