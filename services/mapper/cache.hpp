// A small thread-safe TTL cache (owners and board users per tenant, so one
// deal costs one HubSpot call, not three: SPEC section 3, API economy).
// Values live only in memory; nothing personal is written anywhere.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <utility>

namespace hbsync::mapper {

template <class Key, class Value>
class TtlCache {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  explicit TtlCache(std::chrono::milliseconds ttl, Clock clock = {})
      : ttl_(ttl),
        clock_(clock ? std::move(clock) : [] { return std::chrono::steady_clock::now(); }) {}

  // The value if stored less than ttl ago.
  std::optional<Value> get(const Key& key) {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key);
    if (it == entries_.end()) return std::nullopt;
    if (clock_() >= it->second.expires) {
      entries_.erase(it);
      return std::nullopt;
    }
    return it->second.value;
  }

  void put(const Key& key, Value value) {
    std::lock_guard lock(mutex_);
    entries_.insert_or_assign(key, Entry{std::move(value), clock_() + ttl_});
  }

  size_t size() {
    std::lock_guard lock(mutex_);
    return entries_.size();
  }

 private:
  struct Entry {
    Value value;
    std::chrono::steady_clock::time_point expires;
  };
  std::chrono::milliseconds ttl_;
  Clock clock_;
  std::mutex mutex_;
  std::map<Key, Entry> entries_;
};

}  // namespace hbsync::mapper
