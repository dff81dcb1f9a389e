// hbsync-sim-board: an in-memory test double of the board API
// (reference/board.md) for many API keys at once, with the common /_sim/
// fault switches and board-specific seeding and "board user" controls.
#include <fstream>
#include <iostream>
#include <sstream>

#include "api.hpp"
#include "board.hpp"
#include "control.hpp"
#include "hbsync/config/config.hpp"
#include "hbsync/http/server.hpp"
#include "hbsync/log/log.hpp"
#include "hbsync/simkit/json.hpp"
#include "hbsync/simkit/kit.hpp"
#include "hbsync/simkit/serve.hpp"

namespace {

using namespace hbsync;

// {"accounts":[<POST /_sim/accounts body>, ...]}
bool load_seed(simboard::Board& board, const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    log::error("cannot read the seed file", {{"path", path}});
    return false;
  }
  std::stringstream text;
  text << in.rdbuf();
  rapidjson::Document doc;
  if (auto error = simkit::parse_json(text.str(), doc)) {
    log::error("seed file is not valid", {{"path", path}, {"error", *error}});
    return false;
  }
  auto accounts = doc.FindMember("accounts");
  if (accounts == doc.MemberEnd() || !accounts->value.IsArray()) {
    log::error("seed file needs an \"accounts\" array", {{"path", path}});
    return false;
  }
  for (const auto& spec : accounts->value.GetArray()) {
    auto seeded = simboard::seed_account(board, spec);
    if (!seeded) {
      log::error("seed account rejected", {{"path", path}, {"error", seeded.failure().message}});
      return false;
    }
  }
  log::info("seed loaded", {{"accounts", static_cast<int64_t>(accounts->value.Size())}});
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  shutdown::block_signals();

  config::Loader loader("hbsync-sim-board",
                        "In-memory simulator of the board API (the-board.jp) for tests and demos",
                        argc, argv);
  std::string address = loader.str("HBSYNC_SIM_BOARD_ADDRESS", "127.0.0.1", "Address to listen on");
  uint16_t port =
      loader.port("HBSYNC_SIM_BOARD_PORT", 8702, "Port to listen on (0 = any free port)");
  std::string port_file = loader.str("HBSYNC_SIM_BOARD_PORT_FILE", "",
                                     "File to write the bound port to once listening");
  int64_t per_second = loader.integer("HBSYNC_SIM_BOARD_RATE_PER_SECOND", 3,
                                      "Requests per rolling second per API key", 1, 1000000);
  int64_t per_day = loader.integer("HBSYNC_SIM_BOARD_RATE_PER_DAY", 3000,
                                   "Requests per rolling 24 hours per API key", 1, 1000000000);
  std::string seed_file = loader.str("HBSYNC_SIM_BOARD_SEED_FILE", "",
                                     "JSON file of accounts to create at start "
                                     "({\"accounts\":[<POST /_sim/accounts body>...]})");
  int threads =
      static_cast<int>(loader.integer("HBSYNC_SIM_BOARD_THREADS", 2, "HTTP io threads", 1, 64));
  std::string log_level_text = loader.str("HBSYNC_LOG_LEVEL", "info", "debug, info, warn or error");
  log::Level log_level = log::Level::info;
  bool level_ok = log::parse_level(log_level_text, log_level);
  loader.finish();
  if (!level_ok) {
    std::cerr << "HBSYNC_LOG_LEVEL: must be debug, info, warn or error\n";
    return 2;
  }
  log::init("sim-board", log_level);

  simboard::Board board(simboard::RateLimits{per_second, per_day});
  if (!seed_file.empty() && !load_seed(board, seed_file)) return 2;

  simkit::Kit kit(simkit::KitOptions{
      .name = "board",
      .error_response =
          [](int status, std::string_view message) {
            return simboard::error_response(status, message);
          },
      .account_of = [&board](const http::Request& request) { return board.account_of(request); },
      .on_reset =
          [&board] {
            {
              std::lock_guard lock(board.mutex);
              board.store.clear();
            }
            board.reset_limits();
            board.clock.reset();
          },
      .extra_calls_json =
          [&board] {
            simboard::RateLimits limits = board.limits();
            return "{\"limits\":{\"per_second\":" + std::to_string(limits.per_second) +
                   ",\"per_day\":" + std::to_string(limits.per_day) + "}}";
          },
      .peak_window = std::chrono::seconds(1),
  });

  http::Router router;
  simkit::install_control_routes(router, kit);
  simboard::add_control_routes(router, board);
  simboard::add_api_routes(router, kit, board);

  http::ServerOptions options;
  options.address = address;
  options.port = port;
  options.threads = threads;
  options.server_name = "hbsync-sim-board";
  // Injected hangs must outlast any client timeout rather than be cut short
  // by the server's own handler deadline.
  options.handler_timeout = std::chrono::minutes(10);
  http::Server server(options, std::move(router));
  return simkit::serve(server, "board", address, port_file);
}
