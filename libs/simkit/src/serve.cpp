#include "hbsync/simkit/serve.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <stdexcept>

#include "hbsync/log/log.hpp"
#include "hbsync/shutdown/signals.hpp"

namespace hbsync::simkit {
namespace {

// Readers poll for the file, so it must never be seen half-written.
void write_atomically(const std::string& path, const std::string& content) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << content << '\n';
    if (!out.flush()) throw std::runtime_error("cannot write " + tmp);
  }
  std::filesystem::rename(tmp, path);
}

}  // namespace

int serve(http::Server& server, const std::string& name, const std::string& address,
          const std::string& port_file) {
  try {
    server.start();
  } catch (const std::exception& e) {
    log::error("cannot start the simulator", {{"simulator", name}, {"error", e.what()}});
    return 1;
  }
  uint16_t port = server.port();
  try {
    if (!port_file.empty()) write_atomically(port_file, std::to_string(port));
  } catch (const std::exception& e) {
    log::error("cannot write the port file", {{"path", port_file}, {"error", e.what()}});
    server.shutdown(std::chrono::milliseconds(0));
    return 1;
  }
  log::info("simulator listening", {{"simulator", name}, {"address", address}, {"port", port}});
  std::cout << "listening on http://" << address << ":" << port << std::endl;

  const int received = shutdown::wait();
  log::info("simulator stopping", {{"simulator", name}, {"signal", received}});
  // Hung requests would otherwise hold the drain for their whole hang.
  server.shutdown(std::chrono::seconds(2));
  return 0;
}

}  // namespace hbsync::simkit
