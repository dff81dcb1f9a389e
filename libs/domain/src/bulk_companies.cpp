#include "hbsync/domain/bulk_companies.hpp"

#include <algorithm>
#include <map>

namespace hbsync::domain::bulk {

std::string_view to_string(ClientOutcome outcome) {
  switch (outcome) {
    case ClientOutcome::created:
      return "created";
    case ClientOutcome::linked:
      return "linked";
    case ClientOutcome::skipped:
      return "skipped";
    case ClientOutcome::failed:
      return "failed";
  }
  return "failed";
}

std::vector<std::vector<int64_t>> plan_batches(std::vector<int64_t> client_ids,
                                               const std::set<int64_t>& linked, size_t size) {
  if (size == 0) size = kBatchSize;
  std::sort(client_ids.begin(), client_ids.end());
  client_ids.erase(std::unique(client_ids.begin(), client_ids.end()), client_ids.end());
  std::vector<std::vector<int64_t>> batches;
  for (int64_t id : client_ids) {
    if (linked.count(id) > 0) continue;
    if (batches.empty() || batches.back().size() == size) batches.emplace_back();
    batches.back().push_back(id);
  }
  return batches;
}

std::vector<NameMatch> match_exact_names(std::vector<Named> clients, std::vector<Named> companies,
                                         const std::set<int64_t>& taken) {
  auto by_id = [](const Named& a, const Named& b) { return a.id < b.id; };
  std::sort(clients.begin(), clients.end(), by_id);
  std::sort(companies.begin(), companies.end(), by_id);
  // name -> free companies, lowest id first.
  std::map<std::string, std::vector<int64_t>> free;
  for (const Named& c : companies) {
    if (c.name.empty() || taken.count(c.id) > 0) continue;
    auto& ids = free[c.name];
    if (std::find(ids.begin(), ids.end(), c.id) == ids.end()) ids.push_back(c.id);
  }
  std::vector<NameMatch> matches;
  for (const Named& client : clients) {
    auto it = free.find(client.name);
    if (client.name.empty() || it == free.end() || it->second.empty()) continue;
    matches.push_back({.client_id = client.id, .company_id = it->second.front()});
    it->second.erase(it->second.begin());
  }
  return matches;
}

}  // namespace hbsync::domain::bulk
