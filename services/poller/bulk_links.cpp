// CompanyLinks over the shared link storage.
//
// TEMPORARY until the links library (git tag links-v1) is merged: these
// three calls use the link hashes' documented layout directly
// (docs/architecture.md "Redis"). On the merge this file becomes a thin
// adapter over hbsync::links::Links and the layout lives in one place again.
#include <string>

#include "bulk_links.hpp"
#include "hbsync/tenant/keys.hpp"

namespace hbsync::poller {
namespace {

std::string links_key(const std::string& tenant, const char* kind) {
  return tenant::keys::tenant(tenant, std::string("links:") + kind);
}

class RedisCompanyLinks : public CompanyLinks {
 public:
  explicit RedisCompanyLinks(redis::Client& redis) : redis_(redis) {}

  std::optional<int64_t> company_of_client(const std::string& tenant, int64_t client_id) override {
    auto reply = redis_.command({"HGET", links_key(tenant, "client"), std::to_string(client_id)});
    if (!reply.is_string()) return std::nullopt;
    try {
      return std::stoll(reply.str);
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }

  bool company_linked(const std::string& tenant, int64_t company_id) override {
    auto reply =
        redis_.command({"HEXISTS", links_key(tenant, "company"), std::to_string(company_id)});
    return reply.is_integer() && reply.integer == 1;
  }

  void link(const std::string& tenant, int64_t company_id, int64_t client_id,
            bool url_written) override {
    const std::string company = std::to_string(company_id);
    const std::string client = std::to_string(client_id);
    auto replies = redis_.pipeline(
        {{"MULTI"},
         {"HSET", links_key(tenant, "company"), company, client + (url_written ? ",1" : ",0")},
         {"HSET", links_key(tenant, "client"), client, company},
         {"EXEC"}});
    for (const auto& r : replies) r.throw_if_error();
  }

 private:
  redis::Client& redis_;
};

}  // namespace

std::unique_ptr<CompanyLinks> redis_company_links(redis::Client& redis) {
  return std::make_unique<RedisCompanyLinks>(redis);
}

}  // namespace hbsync::poller
