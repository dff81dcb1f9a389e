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

  explicit TtlCache(std::chrono::milliseconds ttl, Clock clock = {}, size_t max_entries = 100000)
      : ttl_(ttl),
        clock_(clock ? std::move(clock) : [] { return std::chrono::steady_clock::now(); }),
        max_entries_(max_entries) {}

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

  // When full, expired entries go first, then arbitrary ones: a cache, so a
  // lost entry costs one more read, never a wrong answer.
  void put(const Key& key, Value value) {
    std::lock_guard lock(mutex_);
    const auto now = clock_();
    if (entries_.size() >= max_entries_ && !entries_.count(key)) {
      std::erase_if(entries_, [&](const auto& e) { return now >= e.second.expires; });
      while (entries_.size() >= max_entries_) entries_.erase(entries_.begin());
    }
    entries_.insert_or_assign(key, Entry{std::move(value), now + ttl_});
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
  size_t max_entries_;
  std::mutex mutex_;
  std::map<Key, Entry> entries_;
};

}  // namespace hbsync::mapper
