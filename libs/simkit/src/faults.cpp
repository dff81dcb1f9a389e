#include "hbsync/simkit/faults.hpp"

#include <algorithm>

#include "hbsync/simkit/json.hpp"

namespace hbsync::simkit {

bool route_matches(const std::string& rule_route, const std::string& method,
                   const std::string& route) {
  if (rule_route.empty()) return true;
  size_t space = rule_route.find(' ');
  if (space == std::string::npos) return rule_route == route;
  return rule_route.compare(0, space, method) == 0 &&
         rule_route.compare(space + 1, std::string::npos, route) == 0;
}

void FaultInjector::add(Rule rule) {
  if (rule.remaining <= 0) return;
  std::lock_guard lock(mutex_);
  rules_.push_back(std::move(rule));
}

void FaultInjector::clear() {
  std::lock_guard lock(mutex_);
  rules_.clear();
}

std::vector<FaultInjector::Rule> FaultInjector::rules() const {
  std::lock_guard lock(mutex_);
  return rules_;
}

std::optional<FaultInjector::Rule> FaultInjector::take(const std::string& method,
                                                       const std::string& route) {
  std::lock_guard lock(mutex_);
  for (auto it = rules_.begin(); it != rules_.end(); ++it) {
    if (!route_matches(it->route, method, route)) continue;
    Rule taken = *it;
    if (--it->remaining <= 0) rules_.erase(it);
    return taken;
  }
  return std::nullopt;
}

void FaultInjector::set_latency(std::chrono::milliseconds latency) {
  std::lock_guard lock(mutex_);
  latency_ = std::max(latency, std::chrono::milliseconds(0));
}

std::chrono::milliseconds FaultInjector::latency() const {
  std::lock_guard lock(mutex_);
  return latency_;
}

void FaultInjector::revoke(const std::string& credential) {
  std::lock_guard lock(mutex_);
  revoked_.insert(credential);
}

void FaultInjector::unrevoke(const std::string& credential) {
  std::lock_guard lock(mutex_);
  revoked_.erase(credential);
}

bool FaultInjector::revoked(const std::string& credential) const {
  std::lock_guard lock(mutex_);
  return revoked_.count(credential) > 0;
}

void FaultInjector::reset() {
  std::lock_guard lock(mutex_);
  rules_.clear();
  latency_ = std::chrono::milliseconds(0);
  revoked_.clear();
}

std::string FaultInjector::to_json() const {
  std::lock_guard lock(mutex_);
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("rules");
  w.StartArray();
  for (const Rule& rule : rules_) {
    w.StartObject();
    w.Key("remaining");
    w.Int(rule.remaining);
    w.Key("route");
    w.String(rule.route);
    if (rule.kind == Rule::Kind::hang) {
      w.Key("hang_ms");
      w.Int64(rule.hang.count());
    } else {
      w.Key("status");
      w.Int(rule.status);
    }
    if (rule.retry_after_s) {
      w.Key("retry_after");
      w.Int(*rule.retry_after_s);
    }
    w.EndObject();
  }
  w.EndArray();
  w.Key("latency_ms");
  w.Int64(latency_.count());
  // Credentials are test values, but listing them back is still all a test needs.
  w.Key("revoked");
  w.StartArray();
  for (const std::string& credential : revoked_) w.String(credential);
  w.EndArray();
  w.EndObject();
  return buffer.GetString();
}

}  // namespace hbsync::simkit
