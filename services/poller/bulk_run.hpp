// One bulk company sync run of one tenant (bulk_companies.hpp describes the
// steps). Internal to the poller: bulk_companies.cpp drives it, the batch
// steps are in bulk_batch.cpp.
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "bulk_companies.hpp"
#include "bulk_progress.hpp"
#include "hbsync/redis/lease.hpp"

namespace hbsync::poller {

// Ends a run early: retry (the request is delivered again and the run
// resumes) or fail (the status says failed with `code`).
struct RunStop : std::runtime_error {
  enum class Kind { retry, fail } kind;
  std::string code;
  RunStop(Kind k, std::string c, const std::string& message)
      : std::runtime_error(message), kind(k), code(std::move(c)) {}
};

// A board client about to get a company: its id, name and the company
// properties (reverse F3.3 mapping, link property, client id property).
struct BulkItem {
  int64_t client_id = 0;
  std::string name{};
  std::map<std::string, std::string> properties{};
};

class BulkRun {
 public:
  BulkRun(const BulkDeps& deps, const BulkOptions& options, const tenant::Settings& settings,
          Progress& progress, redis::Lease& lease, std::string run_id);

  // Every step; throws RunStop, redis::Error.
  void execute();

 private:
  void checkpoint();
  void ensure_id_property();
  std::vector<board::Client> list_clients();
  std::vector<int64_t> skip_linked(const std::vector<board::Client>& clients);
  void process(const std::vector<int64_t>& batch, const std::map<int64_t, board::Client>& clients);

  // bulk_batch.cpp: the steps of one batch; each takes the items it
  // settles out of `items`.
  std::vector<ClientResult> own_companies(std::vector<BulkItem>& items);
  std::vector<ClientResult> same_names(std::vector<BulkItem>& items);
  std::vector<ClientResult> create(std::vector<BulkItem>& items);
  std::vector<ClientResult> create_one_by_one(const std::vector<BulkItem>& items);
  std::vector<ClientResult> created_from(const hubspot::BatchResult<hubspot::Company>& result,
                                         const std::vector<BulkItem>& items);
  // Counts, history, links.
  void settle(const std::vector<ClientResult>& results);
  bool writes_url() const { return !settings_.hubspot.link_property.empty(); }

  const BulkDeps& deps_;
  const BulkOptions& options_;
  const tenant::Settings& settings_;
  Progress& progress_;
  redis::Lease& lease_;
  std::string run_id_;
  hubspot::Portal portal_;
  board::Account account_;
};

// A HubSpot failure as a RunStop (retryable kinds retry, others fail).
RunStop hubspot_stop(const hubspot::Error& error, const std::string& what);

}  // namespace hbsync::poller
