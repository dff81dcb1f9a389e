// The links between HubSpot records and board records of each tenant (SPEC
// F3, F4; F9: ids and link state only, never names or amounts).
//
// One hash per direction per tenant (small, no per-link key; keys.hpp):
//   hbsync:tenant:<t>:links:company  <companyId> -> "<clientId>,<urlWritten 0|1>"
//   hbsync:tenant:<t>:links:client   <clientId>  -> "<companyId>"
//   hbsync:tenant:<t>:links:deal     <dealId>    -> "<projectId>,<orderStatus>,<active
//   0|1>,<revisionMs>,<companyId>,<pipelineId>,<stageId>,<hubspotChangedMs>,
//   <boardSyncedMs>,<amountDigest>" (older links have the first 4 or 5 parts; the
//   missing ones read as empty / 0)
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
  // SPEC F4 (board -> HubSpot), ids and codes only:
  std::string pipeline_id{};  // the deal's pipeline as last seen ("" unknown)
  // The stage HubSpot is known to have: the last one this app wrote (or
  // queued to write) or saw in a HubSpot change ("" unknown).
  std::string stage_id{};
  // The deal's updatedAt of the last HubSpot-originated stage change seen
  // (a stage other than the known one); 0: none.
  int64_t hubspot_changed_ms = 0;
  // board's updated_at of the last board change applied to the deal; 0: none.
  int64_t board_synced_ms = 0;
  // A keyed digest of the amount last written (tenant::Keyring::digest),
  // never the amount (SPEC F9); "" none.
  std::string amount_digest{};

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
  // One HLEN: how many companies of the tenant are linked to a client.
  int64_t linked_companies(const std::string& tenant);

  std::optional<DealLink> deal_link(const std::string& tenant, int64_t deal_id);
  std::optional<int64_t> deal_of_project(const std::string& tenant, int64_t project_id);
  void link_deal(const std::string& tenant, int64_t deal_id, const DealLink& link);
  void unlink_deal(const std::string& tenant, int64_t deal_id, int64_t project_id);
  // Sets the given fields of an existing deal link and keeps the others, in
  // one atomic step (a Lua script), so the writer's two directions never
  // undo each other's fields. False when the deal has no link.
  struct DealPatch {
    std::optional<int> order_status{};
    std::optional<int64_t> revision_ms{};
    std::optional<int64_t> company_id{};
    std::optional<std::string> pipeline_id{};
    std::optional<std::string> stage_id{};
    std::optional<int64_t> hubspot_changed_ms{};
    std::optional<int64_t> board_synced_ms{};
    std::optional<std::string> amount_digest{};
  };
  bool patch_deal(const std::string& tenant, int64_t deal_id, const DealPatch& patch);

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
