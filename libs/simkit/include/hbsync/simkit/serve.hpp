// Process frame of a simulator binary: signals, start, port file, drain.
#pragma once

#include <string>

#include "hbsync/http/server.hpp"
#include "hbsync/shutdown/signals.hpp"  // call shutdown::block_signals() first in main()

namespace hbsync::simkit {

// Starts the server, logs the bound port (and prints "listening on
// http://address:port" to stdout), writes the port to `port_file` when not
// empty (atomically: readers poll for it), waits for SIGTERM/SIGINT and
// shuts down. Returns the process exit code.
int serve(http::Server& server, const std::string& name, const std::string& address,
          const std::string& port_file);

}  // namespace hbsync::simkit
