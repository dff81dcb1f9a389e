// The poller's wiring of the bulk company sync: its configuration (declared
// before Frame::configured) and the clients it runs on (made after), so
// main.cpp needs one line each and one dispatch on SyncRequest kind
// BULK_COMPANIES. It also owns the board client and the tenant store the
// poller's incremental runs use.
#pragma once

#include <memory>

#include "bulk_companies.hpp"
#include "hbsync/http/client.hpp"
#include "hbsync/service/frame.hpp"
#include "hbsync/tenant/crypto.hpp"

namespace hbsync::poller {

class BulkService {
 public:
  // Declares the variables on the frame's loader (HBSYNC_HUBSPOT_*,
  // HBSYNC_BOARD_*, HBSYNC_ENCRYPTION_*, HBSYNC_POLLER_BULK_*).
  explicit BulkService(service::Frame& frame);
  ~BulkService();

  // After Frame::configured(): makes the clients.
  void start();
  kafka::HandlerResult handle(const v1::SyncRequest& request, const kafka::Message& message);

  // The clients made by start(), shared with the poller's incremental runs
  // (one board client, one tenant store, one set of variables per process).
  board::Api& board() { return *board_; }
  tenant::Store& store() { return *store_; }

 private:
  service::Frame& frame_;
  hubspot::Options hubspot_options_;
  board::Options board_options_;
  tenant::Keyring keyring_;
  BulkOptions options_;
  size_t history_max_;  // HBSYNC_HISTORY_MAX
  http::Client http_;
  std::unique_ptr<hubspot::Api> hubspot_;
  std::unique_ptr<hubspot::OAuth> oauth_;
  std::unique_ptr<board::Api> board_;
  std::unique_ptr<tenant::Store> store_;
  std::unique_ptr<hubspot::TokenProviders> tokens_;
  std::unique_ptr<history::History> history_;
  std::unique_ptr<CompanyLinks> links_;
  std::unique_ptr<BulkCompanies> bulk_;
};

}  // namespace hbsync::poller
