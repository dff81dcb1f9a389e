#include "links.hpp"

#include "hbsync/tenant/keys.hpp"

namespace hbsync::poller {

std::unordered_set<int64_t> RedisLinkedProjects::linked_ids(const std::string& tenant_id) {
  const redis::Reply reply =
      redis_.command({"HKEYS", tenant::keys::tenant(tenant_id, "links:project")});
  std::unordered_set<int64_t> out;
  for (const auto& e : reply.elements) {
    try {
      out.insert(std::stoll(e.str));
    } catch (const std::exception&) {
    }
  }
  return out;
}

}  // namespace hbsync::poller
