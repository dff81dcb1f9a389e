#include "tenant_directory.hpp"

#include <thread>

#include "hbsync/log/log.hpp"
#include "hbsync/tenant/store.hpp"

namespace hbsync::ingress {

using Clock = std::chrono::steady_clock;

TenantDirectory::TenantDirectory(redis::Client& redis, redis::Client& lookups,
                                 DirectoryOptions options)
    : redis_(redis), lookups_(lookups), options_(options) {}

TenantDirectory::~TenantDirectory() {
  // run() answers what is left when it stops; this covers a directory
  // whose run() never ran.
  std::vector<Pending> left;
  {
    std::lock_guard lock(mutex_);
    left.swap(pending_);
  }
  for (auto& p : left) p.done(std::nullopt);
}

std::optional<bool> TenantDirectory::cached(int64_t portal_id) {
  std::shared_lock lock(set_mutex_);
  if (tenants_.count(portal_id)) return true;
  auto it = strangers_.find(portal_id);
  if (it != strangers_.end() && it->second > Clock::now()) return false;
  return std::nullopt;
}

std::optional<TenantDirectory::Answers> TenantDirectory::from_memory(
    const std::vector<int64_t>& portals) {
  Answers answers;
  for (int64_t portal : portals) {
    auto known = cached(portal);
    if (!known) return std::nullopt;
    answers[portal] = *known;
  }
  return answers;
}

void TenantDirectory::resolve(std::vector<int64_t> portals,
                              std::function<void(std::optional<Answers>)> done) {
  if (auto answers = from_memory(portals)) {
    done(std::move(answers));
    return;
  }
  {
    std::lock_guard lock(mutex_);
    if (!stopping_ && pending_.size() < options_.max_pending) {
      pending_.push_back(
          {std::move(portals), std::move(done), Clock::now() + options_.lookup_timeout});
      wake_.notify_all();
      return;
    }
  }
  done(std::nullopt);  // shutting down, or Redis too slow for the load: 503
}

void TenantDirectory::remember_stranger(int64_t portal_id) {
  const auto now = Clock::now();
  if (strangers_.size() >= options_.max_strangers) {
    std::erase_if(strangers_, [now](const auto& e) { return e.second <= now; });
    if (strangers_.size() >= options_.max_strangers) strangers_.clear();
  }
  strangers_[portal_id] = now + options_.negative_ttl;
}

bool TenantDirectory::ask_redis(const std::vector<int64_t>& portals) {
  std::vector<std::vector<std::string>> commands;
  commands.reserve(portals.size());
  for (int64_t portal : portals) {
    commands.push_back({"SISMEMBER", tenant::Store::kTenantsKey, std::to_string(portal)});
  }
  std::vector<redis::Reply> replies;
  try {
    replies = lookups_.pipeline(commands);
  } catch (const redis::Error& e) {
    if (!lookups_failing_) {
      log::warn("tenant lookup failed: webhooks of unknown portals get 503",
                {{"error_kind", redis::kind_name(e.kind())}, {"error", e.what()}});
    }
    lookups_failing_ = true;
    return false;
  }
  for (const auto& reply : replies) {
    if (reply.is_error()) {
      log::warn("tenant lookup refused", {{"error", reply.str}});
      return false;
    }
  }
  if (lookups_failing_) log::info("tenant lookups answered again", {});
  lookups_failing_ = false;
  std::unique_lock lock(set_mutex_);
  for (size_t i = 0; i < portals.size(); ++i) {
    if (replies[i].is_integer() && replies[i].integer == 1) {
      tenants_.insert(portals[i]);
      strangers_.erase(portals[i]);
    } else {
      remember_stranger(portals[i]);
    }
  }
  return true;
}

// One pipeline for every portal the batch waits for; a request whose
// deadline passed while an earlier lookup hung fails without asking again.
void TenantDirectory::serve(std::vector<Pending> batch) {
  const auto now = Clock::now();
  std::vector<Pending> live;
  std::unordered_set<int64_t> wanted;
  for (auto& p : batch) {
    if (from_memory(p.portals) || p.deadline > now) {
      for (int64_t portal : p.portals) {
        if (!cached(portal)) wanted.insert(portal);
      }
      live.push_back(std::move(p));
    } else {
      p.done(std::nullopt);
    }
  }
  bool asked = wanted.empty() || ask_redis({wanted.begin(), wanted.end()});
  for (auto& p : live) {
    p.done(asked ? from_memory(p.portals) : std::nullopt);
  }
}

void TenantDirectory::lookup_loop() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
    if (stopping_) break;
    std::vector<Pending> batch;
    batch.swap(pending_);
    lock.unlock();
    serve(std::move(batch));
    lock.lock();
  }
  std::vector<Pending> left;
  left.swap(pending_);
  lock.unlock();
  for (auto& p : left) p.done(std::nullopt);
}

bool TenantDirectory::reload() {
  try {
    auto reply = redis_.command({"SMEMBERS", tenant::Store::kTenantsKey});
    std::unordered_set<int64_t> fresh;
    for (const auto& e : reply.elements) {
      try {
        fresh.insert(std::stoll(e.str));
      } catch (const std::exception&) {
        // Tenant ids are portal ids; anything else is not ours to route.
      }
    }
    std::unique_lock lock(set_mutex_);
    tenants_.swap(fresh);
    for (int64_t portal : tenants_) strangers_.erase(portal);
    return true;
  } catch (const redis::Error& e) {
    log::warn("tenant list reload failed", {{"error_kind", redis::kind_name(e.kind())}});
    return false;
  }
}

void TenantDirectory::run() {
  std::thread lookups([this] { lookup_loop(); });
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    reload();
    lock.lock();
    wake_.wait_for(lock, options_.refresh_interval, [this] { return stopping_; });
  }
  lock.unlock();
  lookups.join();
}

void TenantDirectory::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
}

}  // namespace hbsync::ingress
