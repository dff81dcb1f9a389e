#include "hbsync/shutdown/signals.hpp"

#include <pthread.h>
#include <signal.h>

namespace hbsync::shutdown {
namespace {

sigset_t shutdown_set() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

}  // namespace

void block_signals() {
  ::signal(SIGTERM, SIG_DFL);
  ::signal(SIGINT, SIG_DFL);
  sigset_t set = shutdown_set();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int wait() {
  sigset_t set = shutdown_set();
  int received = 0;
  while (sigwait(&set, &received) != 0) {
  }
  return received;
}

const char* name(int signal) {
  switch (signal) {
    case SIGTERM:
      return "SIGTERM";
    case SIGINT:
      return "SIGINT";
    default:
      return "other";
  }
}

}  // namespace hbsync::shutdown
