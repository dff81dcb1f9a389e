// The company <-> client links as the bulk company sync (F5) reads and
// writes them: the same links the writer keeps for F3.3 (both directions,
// ids only). A small interface so the engine does not depend on where the
// link storage lives (libs/links).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "hbsync/redis/redis.hpp"

namespace hbsync::poller {

class CompanyLinks {
 public:
  virtual ~CompanyLinks() = default;
  // All throw redis::Error when Redis fails.
  virtual std::optional<int64_t> company_of_client(const std::string& tenant,
                                                   int64_t client_id) = 0;
  virtual bool company_linked(const std::string& tenant, int64_t company_id) = 0;
  // Both directions at once. `url_written`: the company's link property
  // (F3.4) holds the client's URL.
  virtual void link(const std::string& tenant, int64_t company_id, int64_t client_id,
                    bool url_written) = 0;
};

// The links in Redis (hbsync::links::Links); `redis` must outlive it.
std::unique_ptr<CompanyLinks> redis_company_links(redis::Client& redis);

}  // namespace hbsync::poller
