// Fault suite, issue 8 A1: 10,000 requests with random methods and random
// paths to each running service must not add a single metrics series (every
// label value that comes from a request is from a closed set). Prints, per
// service: requests sent, series, /metrics size and RSS before and after.
#include <dirent.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "harness.hpp"

namespace hbsync::e2e {
namespace {

size_t count_series(const std::string& exposition) {
  size_t series = 0;
  std::istringstream lines(exposition);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line[0] != '#') ++series;
  }
  return series;
}

// The inode of the socket listening on 127.0.0.1/0.0.0.0:port, from /proc/net/tcp.
std::string listening_inode(uint16_t port) {
  char wanted[8];
  std::snprintf(wanted, sizeof wanted, ":%04X", port);
  std::ifstream tcp("/proc/net/tcp");
  std::string line;
  std::getline(tcp, line);  // header
  while (std::getline(tcp, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
    fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >>
        timeout >> inode;
    if (state == "0A" && local.size() > 5 && local.substr(local.size() - 5) == wanted) return inode;
  }
  return "";
}

// RSS in KiB of the process listening on `port`; -1 if not found.
long rss_of_listener(uint16_t port) {
  const std::string target = "socket:[" + listening_inode(port) + "]";
  DIR* proc = ::opendir("/proc");
  if (!proc) return -1;
  long rss = -1;
  while (dirent* entry = ::readdir(proc)) {
    std::string pid = entry->d_name;
    if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string fd_dir = "/proc/" + pid + "/fd";
    DIR* fds = ::opendir(fd_dir.c_str());
    if (!fds) continue;
    bool found = false;
    while (dirent* fd = ::readdir(fds)) {
      char link[PATH_MAX];
      std::string path = fd_dir + "/" + fd->d_name;
      ssize_t n = ::readlink(path.c_str(), link, sizeof link - 1);
      if (n > 0 && std::string(link, static_cast<size_t>(n)) == target) {
        found = true;
        break;
      }
    }
    ::closedir(fds);
    if (!found) continue;
    std::ifstream status("/proc/" + pid + "/status");
    for (std::string line; std::getline(status, line);) {
      if (line.rfind("VmRSS:", 0) == 0) rss = std::stol(line.substr(6));
    }
    break;
  }
  ::closedir(proc);
  return rss;
}

std::string random_token(std::mt19937& rng, size_t max_length) {
  static constexpr std::string_view kChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::string out(1 + rng() % max_length, ' ');
  for (auto& c : out) c = kChars[rng() % kChars.size()];
  return out;
}

// Sends `count` requests with random methods (a quarter of them standard)
// to random paths (a third of them under the service's real prefixes).
int send_random(std::mt19937& rng, uint16_t port, int count) {
  static const char* kKnown[] = {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"};
  static const char* kPrefixes[] = {"/webhooks/hubspot/", "/metrics/", "/v1/"};
  http::Client client;
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  int answered = 0;
  for (int i = 0; i < count; ++i) {
    http::ClientRequest request;
    request.method = (i % 4 == 0) ? kKnown[rng() % 7] : random_token(rng, 16);
    std::string path = (i % 3 == 0) ? std::string(kPrefixes[rng() % 3]) + random_token(rng, 20)
                                    : "/" + random_token(rng, 20) + "/" + random_token(rng, 20);
    request.url = base + path;
    request.timeout = std::chrono::seconds(10);
    if (client.send(request).ok()) ++answered;
  }
  return answered;
}

TEST(FaultHttp, TenThousandRandomMethodsAndPathsAddNoMetricsSeries) {
  constexpr int kRequests = 10000;
  StackOptions o;
  o.mappers = 1;
  o.writers = 1;
  std::unique_ptr<Stack> stack;
  try {
    stack = std::make_unique<Stack>(o);
  } catch (const std::exception& e) {
    FAIL() << "the e2e stack did not start: " << e.what();
  }
  std::mt19937 rng(8);
  for (const std::string service : {"ingress", "mapper", "writer"}) {
    uint16_t port = stack->port(service);
    // Every label value the generator can reach, and the scrape itself, once.
    send_random(rng, port, 500);
    stack->metrics(service);
    std::string before = stack->metrics(service);
    long rss_before = rss_of_listener(port);
    int answered = send_random(rng, port, kRequests);
    std::string after = stack->metrics(service);
    long rss_after = rss_of_listener(port);
    std::printf(
        "random methods %s: sent %d, answered %d, series %zu -> %zu, /metrics %zu -> %zu "
        "bytes, RSS %ld -> %ld KiB\n",
        service.c_str(), kRequests, answered, count_series(before), count_series(after),
        before.size(), after.size(), rss_before, rss_after);
    EXPECT_EQ(answered, kRequests) << service;
    EXPECT_GT(count_series(before), 0u) << service;
    EXPECT_EQ(count_series(after), count_series(before)) << service;
    EXPECT_TRUE(stack->ready(service)) << service;
  }
  stack->finish_test();
}

}  // namespace
}  // namespace hbsync::e2e
