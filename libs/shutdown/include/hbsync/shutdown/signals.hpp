// The one way a program here waits for SIGTERM/SIGINT: block both in main()
// before any thread starts (threads inherit the mask, so no thread is ever
// interrupted by them), then take them with wait() on one thread.
#pragma once

namespace hbsync::shutdown {

// Takes SIGTERM and SIGINT back to their default action (a shell starting a
// program with `&` leaves SIGINT ignored, and sigwait never sees an ignored
// signal), then blocks both in the calling thread and every thread it creates
// afterwards. Call first in main().
void block_signals();

// Waits until SIGTERM or SIGINT arrives; returns its number.
int wait();

// "SIGTERM", "SIGINT" or "other", for logs.
const char* name(int signal);

}  // namespace hbsync::shutdown
