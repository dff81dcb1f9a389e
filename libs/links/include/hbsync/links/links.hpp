// The links between HubSpot records and board records of each tenant (SPEC
// F3, F4; F9: ids and link state only, never names or amounts).
//
// One hash per direction per tenant (small, no per-link key; keys.hpp):
//   hbsync:tenant:<t>:links:company  <companyId> -> "<clientId>,<urlWritten 0|1>"
//   hbsync:tenant:<t>:links:client   <clientId>  -> "<companyId>"
//   hbsync:tenant:<t>:links:deal     <dealId>    -> "<projectId>,<orderStatus>,<active
//   0|1>,<revisionMs>,<companyId>" (links written before companyId have 4 parts)
//   hbsync:tenant:<t>:links:project  <projectId> -> "<dealId>"
// Both directions of a link are written in one MULTI/EXEC.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hbsync/redis/redis.hpp"

namespace hbsync::links {

struct CompanyLink {
  int64_t client_id = 0;
  bool url_written = false;
};

struct DealLink {
  int64_t project_id = 0;
  int order_status = 0;
  bool active = true;
  int64_t revision_ms = 0;  // the deal's updatedAt of the last command applied
  // The deal's company in the last command applied (0: not known, a link
  // written before this was kept). The project stays on the client it was
  // created with (board projects keep their first client), so this may be a
  // later company than the client's: it tells when the company changed.
  int64_t company_id = 0;

  // The hash value, and back (nullopt when it is not a link).
  std::string encode() const;
  static std::optional<DealLink> decode(std::string_view value);
};

class Links {
 public:
  // `redis` must outlive the Links. Every call throws redis::Error when
  // Redis fails. Thread-safe (the client is).
  explicit Links(redis::Client& redis);

  std::optional<CompanyLink> company_link(const std::string& tenant, int64_t company_id);
  std::optional<int64_t> company_of_client(const std::string& tenant, int64_t client_id);
  void link_company(const std::string& tenant, int64_t company_id, const CompanyLink& link);
  void unlink_company(const std::string& tenant, int64_t company_id, int64_t client_id);

  std::optional<DealLink> deal_link(const std::string& tenant, int64_t deal_id);
  std::optional<int64_t> deal_of_project(const std::string& tenant, int64_t project_id);
  void link_deal(const std::string& tenant, int64_t deal_id, const DealLink& link);
  void unlink_deal(const std::string& tenant, int64_t deal_id, int64_t project_id);

  // One HEXISTS: whether the project is linked to a deal (the poller's filter).
  bool is_project_linked(const std::string& tenant, int64_t project_id);
  // Every linked project id of the tenant (HSCAN, `batch` per round trip),
  // in no particular order.
  std::vector<int64_t> linked_project_ids(const std::string& tenant, int batch = 1000);

  // hbsync:tenant:<t>:links:<kind> (keys.hpp).
  static std::string links_key(std::string_view tenant, std::string_view kind);

 private:
  redis::Client& redis_;
};

}  // namespace hbsync::links
