// Fault switches shared by the simulators: the next N requests (optionally
// for one route) answer an error status or hang, a fixed extra latency on
// every API request, and credentials whose authentication must fail.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace hbsync::simkit {

class FaultInjector {
 public:
  struct Rule {
    enum class Kind { status, hang };

    int remaining = 1;  // requests this rule still applies to
    // Empty = any API request. Otherwise a router pattern ("/v1/projects/{id}"),
    // matching every method, or "METHOD pattern" ("POST /v1/projects").
    std::string route{};
    Kind kind = Kind::status;
    int status = 503;                    // Kind::status: 500, 503, 429, ...
    std::chrono::milliseconds hang{0};   // Kind::hang: answer (504) only after this
    std::optional<int> retry_after_s{};  // sent as Retry-After when set
  };

  // Rules are consulted in the order they were added.
  void add(Rule rule);
  void clear();  // rules only; latency and revocations stay
  std::vector<Rule> rules() const;

  // The first rule matching this request, with its count taken; the rule is
  // dropped once its count reaches zero. `route` is the router pattern.
  std::optional<Rule> take(const std::string& method, const std::string& route);

  void set_latency(std::chrono::milliseconds latency);
  std::chrono::milliseconds latency() const;

  // A portal id, API key or token that must fail authentication while revoked.
  void revoke(const std::string& credential);
  void unrevoke(const std::string& credential);
  bool revoked(const std::string& credential) const;

  // Rules, latency and revocations back to nothing.
  void reset();

  // {"rules":[{"remaining":..,"route":..,"status":..|"hang_ms":..,"retry_after":..}],
  //  "latency_ms":..,"revoked":[..]}
  std::string to_json() const;

 private:
  mutable std::mutex mutex_;
  std::vector<Rule> rules_;
  std::chrono::milliseconds latency_{0};
  std::set<std::string> revoked_;
};

// True when `rule_route` (see Rule::route) selects this request.
bool route_matches(const std::string& rule_route, const std::string& method,
                   const std::string& route);

}  // namespace hbsync::simkit
