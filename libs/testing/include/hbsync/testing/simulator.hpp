// A simulator binary (hbsync-sim-board, hbsync-sim-hubspot) as a test starts
// it: on a free port it reports through its port file, in a private
// directory holding its log, stopped with SIGTERM and the directory removed
// on destruction; and its control routes. A test's own simulator class
// derives from it to add what it reads from the simulator.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <map>
#include <string>

#include "hbsync/http/client.hpp"
#include "hbsync/testing/process.hpp"

namespace hbsync::testing {

class Simulator {
 public:
  // `binary`: "hbsync-sim-board"; `env_prefix`: "HBSYNC_SIM_BOARD", which
  // names its port variables (<prefix>_PORT=0, <prefix>_PORT_FILE). `env`
  // adds to them; HBSYNC_LOG_LEVEL is warn unless `env` sets it. Throws when
  // the simulator has not reported its port within 15 s.
  Simulator(const std::string& binary, const std::string& env_prefix,
            std::map<std::string, std::string> env = {});
  ~Simulator();
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  // "http://127.0.0.1:<port>"
  const std::string& base_url() const { return base_; }
  const std::string& dir() const { return dir_; }

  // One request to the simulator, `body` (if any) as JSON; a request that
  // got no answer fails the test.
  http::ClientResponse raw(const std::string& method, const std::string& target,
                           const std::string& body = "");
  // A control route's answer as JSON ({} when empty); a status of 300 or
  // more, or an answer that is not JSON, fails the test.
  rapidjson::Document control(const std::string& method, const std::string& target,
                              const std::string& body = "");

 private:
  std::string dir_;
  Process process_;
  std::string base_;
  http::Client client_;
};

// From a simulator's GET /_sim/calls answer: the calls in `routes` (its
// "routes" object, of all accounts or of one) on "METHOD /pattern" with
// `status` ("" = any status).
int64_t route_calls(const rapidjson::Value& routes, const std::string& route,
                    const std::string& status = "");

}  // namespace hbsync::testing
