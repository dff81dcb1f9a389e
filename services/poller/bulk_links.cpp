// CompanyLinks over the shared link storage (libs/links).
#include "bulk_links.hpp"

#include "hbsync/links/links.hpp"

namespace hbsync::poller {
namespace {

class StoredCompanyLinks : public CompanyLinks {
 public:
  explicit StoredCompanyLinks(redis::Client& redis) : links_(redis) {}

  std::optional<int64_t> company_of_client(const std::string& tenant, int64_t client_id) override {
    return links_.company_of_client(tenant, client_id);
  }

  bool company_linked(const std::string& tenant, int64_t company_id) override {
    return links_.company_link(tenant, company_id).has_value();
  }

  void link(const std::string& tenant, int64_t company_id, int64_t client_id,
            bool url_written) override {
    links_.link_company(tenant, company_id, {.client_id = client_id, .url_written = url_written});
  }

 private:
  links::Links links_;
};

}  // namespace

std::unique_ptr<CompanyLinks> redis_company_links(redis::Client& redis) {
  return std::make_unique<StoredCompanyLinks>(redis);
}

}  // namespace hbsync::poller
