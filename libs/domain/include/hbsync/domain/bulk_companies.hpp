// F5 bulk board -> HubSpot companies (会社情報同期): the pure parts of a run,
// planning the batches and matching exact names. The run itself (board list,
// HubSpot calls, links, progress) is services/poller/bulk_companies.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace hbsync::domain::bulk {

// HubSpot's batch limit: clients per batch create.
inline constexpr size_t kBatchSize = 100;

// What a run did with one board client.
enum class ClientOutcome {
  created,  // a company was created for it (by this run, or found by its
            // board client id property after a crash)
  linked,   // linked to an existing company with exactly its name
  skipped,  // was linked already
  failed,   // HubSpot refused it, or it has no name
};
std::string_view to_string(ClientOutcome outcome);  // "created", ...

// The unlinked client ids in ascending order, cut into batches of at most
// `size` (> 0); `linked` ids are left out (skipped). Duplicates are dropped.
std::vector<std::vector<int64_t>> plan_batches(std::vector<int64_t> client_ids,
                                               const std::set<int64_t>& linked,
                                               size_t size = kBatchSize);

struct Named {
  int64_t id = 0;
  std::string name{};
};

struct NameMatch {
  int64_t client_id = 0;
  int64_t company_id = 0;
  bool operator==(const NameMatch&) const = default;
};

// F5 "a HubSpot company with exactly the same name is linked instead of
// created": clients in ascending id order each take the lowest-id company
// whose name is byte-for-byte the client's name (case and spaces count, as in
// F3.3). A company is linked to at most one client (links are one to one), so
// a second client of the same name takes the next such company or none;
// companies in `taken` (linked to a client already) are never matched. An
// empty name matches nothing.
std::vector<NameMatch> match_exact_names(std::vector<Named> clients, std::vector<Named> companies,
                                         const std::set<int64_t>& taken = {});

}  // namespace hbsync::domain::bulk
