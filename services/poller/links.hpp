// Which board projects are linked to a HubSpot deal (SPEC F4.2: only those
// are published). The links are written by the writer; the poller only reads
// them.
//
// TODO(links-v1): a stand-in until libs/links (git tag links-v1) lands; then
// this header forwards to it and links.cpp goes away.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_set>

#include "hbsync/redis/redis.hpp"

namespace hbsync::poller {

class LinkedProjects {
 public:
  virtual ~LinkedProjects() = default;
  // Every project id of the tenant that is linked to a deal (one read).
  virtual std::unordered_set<int64_t> linked_ids(const std::string& tenant_id) = 0;
};

// Reads the project -> deal links hash (hbsync:tenant:<id>:links:project).
class RedisLinkedProjects : public LinkedProjects {
 public:
  explicit RedisLinkedProjects(redis::Client& redis) : redis_(redis) {}
  std::unordered_set<int64_t> linked_ids(const std::string& tenant_id) override;

 private:
  redis::Client& redis_;
};

}  // namespace hbsync::poller
