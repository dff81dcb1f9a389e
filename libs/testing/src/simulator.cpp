#include "hbsync/testing/simulator.hpp"

#include <signal.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <gtest/gtest.h>

#include "hbsync/testing/wait.hpp"

namespace hbsync::testing {

using namespace std::chrono_literals;

Simulator::Simulator(const std::string& binary, const std::string& env_prefix,
                     std::map<std::string, std::string> env) {
  std::string tmpl = "/tmp/" + binary + "-test-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  const std::string port_file = dir_ + "/port";
  std::ostringstream port_var;  // not string + "...": a false g++ 12 -Wrestrict
  port_var << env_prefix << "_PORT";
  env[port_var.str()] = "0";
  port_var << "_FILE";
  env[port_var.str()] = port_file;
  env.emplace("HBSYNC_LOG_LEVEL", "warn");
  process_ = Process({bin_path(binary)}, env, dir_ + "/sim.log");
  std::string port;
  const bool up = wait_until(
      [&] {
        std::ifstream in(port_file);
        return static_cast<bool>(in >> port);
      },
      15s);
  if (!up) throw std::runtime_error(binary + " did not start; see " + dir_ + "/sim.log");
  base_ = "http://127.0.0.1:" + port;
}

Simulator::~Simulator() {
  process_.signal(SIGTERM);
  process_.wait(5s);
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

http::ClientResponse Simulator::raw(const std::string& method, const std::string& target,
                                    const std::string& body) {
  http::ClientRequest request{.method = method, .url = base_ + target, .body = body};
  if (!body.empty()) request.headers.set("Content-Type", "application/json");
  auto result = client_.send(request);
  EXPECT_TRUE(result.ok()) << method << " " << target << ": " << result.error_message;
  return result.response;
}

rapidjson::Document Simulator::control(const std::string& method, const std::string& target,
                                       const std::string& body) {
  const http::ClientResponse response = raw(method, target, body);
  EXPECT_LT(response.status, 300) << method << " " << target << ": " << response.body;
  rapidjson::Document doc;
  doc.Parse(response.body.empty() ? "{}" : response.body.c_str());
  EXPECT_FALSE(doc.HasParseError()) << method << " " << target << ": " << response.body;
  return doc;
}

int64_t route_calls(const rapidjson::Value& routes, const std::string& route,
                    const std::string& status) {
  if (!routes.IsObject() || !routes.HasMember(route.c_str())) return 0;
  int64_t n = 0;
  for (const auto& m : routes[route.c_str()].GetObject()) {
    if (status.empty() || status == m.name.GetString()) n += m.value.GetInt64();
  }
  return n;
}

}  // namespace hbsync::testing
