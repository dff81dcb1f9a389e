// Umbrella header of the simulator kit.
#pragma once

#include "hbsync/simkit/call_counter.hpp"
#include "hbsync/simkit/faults.hpp"
#include "hbsync/simkit/json.hpp"
#include "hbsync/simkit/kit.hpp"
#include "hbsync/simkit/rate_limiter.hpp"
#include "hbsync/simkit/scheduler.hpp"
#include "hbsync/simkit/serve.hpp"
#include "hbsync/simkit/time_scale.hpp"
