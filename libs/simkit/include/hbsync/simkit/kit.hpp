// What every simulator shares: fault switches, call counters, time scale, a
// scheduler for delayed answers, the API-request decorator and the common
// control routes under /_sim/.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "hbsync/http/router.hpp"
#include "hbsync/simkit/call_counter.hpp"
#include "hbsync/simkit/faults.hpp"
#include "hbsync/simkit/scheduler.hpp"
#include "hbsync/simkit/time_scale.hpp"

namespace hbsync::simkit {

struct KitOptions {
  std::string name;  // "board", "hubspot": logs and /_sim/healthz
  // An error response in the simulator's own format (board {"message":..},
  // HubSpot {"status":"error",...}); used for injected faults.
  std::function<http::Response(int status, std::string_view message)> error_response;
  // The account an API request is made with (API key, portal id), "" when
  // none can be told; calls are counted per account.
  std::function<std::string(const http::Request&)> account_of;
  // Clears the simulator's own data and limiters; called by POST /_sim/reset
  // after the kit's own state was cleared.
  std::function<void()> on_reset;
  // Extra members merged into GET /_sim/calls (a JSON object text, "{}" or
  // empty for none): simulator-specific counters.
  std::function<std::string()> extra_calls_json;
  std::chrono::milliseconds peak_window{1000};
  double time_scale = 1.0;
};

class Kit {
 public:
  explicit Kit(KitOptions options);
  Kit(const Kit&) = delete;
  Kit& operator=(const Kit&) = delete;

  const KitOptions& options() const { return options_; }
  FaultInjector& faults() { return faults_; }
  CallCounter& calls() { return calls_; }
  TimeScale& time_scale() { return time_scale_; }
  Scheduler& scheduler() { return scheduler_; }

  http::Response error_response(int status, std::string_view message) const;
  // Faults, latency, revocations, counters and scheduled tasks cleared, then
  // options().on_reset.
  void reset();

 private:
  KitOptions options_;
  FaultInjector faults_;
  CallCounter calls_;
  TimeScale time_scale_;
  Scheduler scheduler_;  // last: its thread stops before the rest goes
};

// Decorates an API handler (anything outside /_sim/). Per request: a
// matching fault is taken first (status fault: the simulator's error body,
// plus Retry-After when the rule has one; hang: nothing is processed and a
// 504 comes only after the hang time), else the inner handler runs at once
// and its response is held back by the configured latency. The call is
// counted with request.method, request.route and the final status.
http::Handler wrap(Kit& kit, http::Handler inner);

// router.add(method, pattern, wrap(kit, handler)).
void add_api_route(http::Router& router, Kit& kit, std::string method, std::string pattern,
                   http::Handler handler);
void add_api_route_sync(http::Router& router, Kit& kit, std::string method, std::string pattern,
                        http::SyncHandler handler);

// The common control routes (see docs/simulators.md):
//   GET    /_sim/healthz
//   GET    /_sim/calls            DELETE /_sim/calls
//   GET    /_sim/faults           POST   /_sim/faults   DELETE /_sim/faults
//   POST   /_sim/latency          {"ms":50}
//   POST   /_sim/revoke           {"credential":"..."}  POST /_sim/unrevoke
//   POST   /_sim/time-scale       {"factor":0.01}
//   POST   /_sim/reset
// Control routes are never counted, delayed or faulted. Their errors use
// {"error": "..."} (http::Response::error).
void install_control_routes(http::Router& router, Kit& kit);

}  // namespace hbsync::simkit
