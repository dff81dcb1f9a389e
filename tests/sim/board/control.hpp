// board-specific control routes under /_sim/ (see docs/simulators.md):
// seed accounts and data, read state, play the board user, move the clock,
// change the rate limits.
#pragma once

#include <string>

#include "board.hpp"
#include "hbsync/http/router.hpp"
#include "outcome.hpp"

namespace hbsync::simboard {

void add_control_routes(http::Router& router, Board& board);

// Creates an account from a POST /_sim/accounts body; also used for the
// seed file. On failure nothing is left behind.
Outcome<std::string> seed_account(Board& board, const rapidjson::Value& spec);

}  // namespace hbsync::simboard
