// hbsync-admin: console, admin API, OAuth and tenant settings; publishes
// sync requests. (Its routes arrive with the console issues.)
#include "hbsync/service/frame.hpp"

int main(int argc, char** argv) {
  hbsync::service::Frame frame({"admin", "Console, admin API, OAuth and tenant settings", 8080},
                               argc, argv);
  frame.configured();
  return frame.run();
}
