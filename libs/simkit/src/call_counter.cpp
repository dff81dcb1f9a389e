#include "hbsync/simkit/call_counter.hpp"

#include <algorithm>

#include "hbsync/simkit/json.hpp"

namespace hbsync::simkit {
namespace {

// How late a response may be recorded after later arrivals (hangs, latency)
// and still be placed correctly in the peak windows.
constexpr std::chrono::minutes kReorderSlack{2};

void write_routes(JsonWriter& w, const std::map<std::string, std::map<int, int64_t>>& routes) {
  w.StartObject();
  for (const auto& [route, statuses] : routes) {
    w.Key(route.c_str(), static_cast<rapidjson::SizeType>(route.size()));
    w.StartObject();
    for (const auto& [status, count] : statuses) {
      std::string code = std::to_string(status);
      w.Key(code.c_str(), static_cast<rapidjson::SizeType>(code.size()));
      w.Int64(count);
    }
    w.EndObject();
  }
  w.EndObject();
}

int64_t sum(const std::map<std::string, std::map<int, int64_t>>& routes,
            const std::string& method_route, int status) {
  auto it = routes.find(method_route);
  if (it == routes.end()) return 0;
  int64_t total = 0;
  for (const auto& [code, count] : it->second) {
    if (status == 0 || code == status) total += count;
  }
  return total;
}

}  // namespace

CallCounter::CallCounter(std::chrono::milliseconds peak_window) : peak_window_(peak_window) {}

void CallCounter::record(const std::string& account, const std::string& method,
                         const std::string& route, int status, Clock::time_point arrived) {
  std::string key = method + " " + route;
  std::lock_guard lock(mutex_);
  ++total_;
  ++routes_[key][status];
  if (account.empty()) return;
  Account& a = accounts_[account];
  ++a.total;
  ++a.routes[key][status];
  // Responses finish out of arrival order (latency, hangs), so the log is
  // kept sorted by arrival and holds more than one window: a late record
  // still finds the earlier arrivals it shared a window with.
  a.recent.insert(std::upper_bound(a.recent.begin(), a.recent.end(), arrived), arrived);
  Clock::time_point horizon = a.recent.back() - peak_window_ - kReorderSlack;
  while (a.recent.front() < horizon) a.recent.pop_front();
  // Only windows (e - window, e] that end at an arrival e in
  // [arrived, arrived + window) gained this call.
  auto begin = a.recent.begin();
  for (auto end = std::lower_bound(begin, a.recent.end(), arrived);
       end != a.recent.end() && *end < arrived + peak_window_; ++end) {
    auto first = std::upper_bound(begin, end, *end - peak_window_);
    a.peak = std::max<int64_t>(a.peak, (end - first) + 1);
  }
}

int64_t CallCounter::total() const {
  std::lock_guard lock(mutex_);
  return total_;
}

int64_t CallCounter::count(const std::string& method_route, int status) const {
  std::lock_guard lock(mutex_);
  return sum(routes_, method_route, status);
}

int64_t CallCounter::count_for(const std::string& account, const std::string& method_route,
                               int status) const {
  std::lock_guard lock(mutex_);
  auto it = accounts_.find(account);
  return it == accounts_.end() ? 0 : sum(it->second.routes, method_route, status);
}

int64_t CallCounter::peak(const std::string& account) const {
  std::lock_guard lock(mutex_);
  auto it = accounts_.find(account);
  return it == accounts_.end() ? 0 : it->second.peak;
}

void CallCounter::reset() {
  std::lock_guard lock(mutex_);
  total_ = 0;
  routes_.clear();
  accounts_.clear();
}

std::string CallCounter::to_json() const {
  std::lock_guard lock(mutex_);
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("total");
  w.Int64(total_);
  w.Key("peak_window_ms");
  w.Int64(peak_window_.count());
  w.Key("routes");
  write_routes(w, routes_);
  w.Key("accounts");
  w.StartObject();
  for (const auto& [name, account] : accounts_) {
    w.Key(name.c_str(), static_cast<rapidjson::SizeType>(name.size()));
    w.StartObject();
    w.Key("total");
    w.Int64(account.total);
    w.Key("max_in_window");
    w.Int64(account.peak);
    w.Key("routes");
    write_routes(w, account.routes);
    w.EndObject();
  }
  w.EndObject();
  w.EndObject();
  return buffer.GetString();
}

}  // namespace hbsync::simkit
