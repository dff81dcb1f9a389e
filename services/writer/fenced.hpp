// The board account and HubSpot portal as the use cases see them: every call
// first passes the lease keeper's fence (throws ClaimLost when the claim may
// be another writer's), so no call site checks the claim itself.
#pragma once

#include "hbsync/board/api.hpp"
#include "hbsync/hubspot/api.hpp"
#include "lease_keeper.hpp"

namespace hbsync::writer {

class FencedBoard {
 public:
  FencedBoard(board::Account account, const LeaseKeeper& fence)
      : account_(std::move(account)), fence_(&fence) {}

  board::Result<board::Page<board::Project>> list_projects(const board::ProjectQuery& query,
                                                           board::PageRequest page) {
    fence_->check();
    return account_.list_projects(query, page);
  }
  board::Result<board::Project> create_project(const board::NewProject& project) {
    fence_->check();
    return account_.create_project(project);
  }
  board::Result<board::Project> update_order_status(int64_t id, domain::OrderStatus status) {
    fence_->check();
    return account_.update_order_status(id, status);
  }
  board::Result<std::vector<board::Client>> list_all_clients(const board::ClientQuery& query) {
    fence_->check();
    return account_.list_all_clients(query);
  }
  board::Result<board::Client> create_client(const board::ClientFields& fields) {
    fence_->check();
    return account_.create_client(fields);
  }

 private:
  board::Account account_;
  const LeaseKeeper* fence_;
};

class FencedHubSpot {
 public:
  FencedHubSpot(hubspot::Portal portal, const LeaseKeeper& fence)
      : portal_(std::move(portal)), fence_(&fence) {}

  hubspot::Result<hubspot::Deal> get_deal(const std::string& id,
                                          const std::vector<std::string>& properties) {
    fence_->check();
    return portal_.get_deal(id, properties);
  }
  hubspot::Result<hubspot::Company> get_company(const std::string& id,
                                                const std::vector<std::string>& properties) {
    fence_->check();
    return portal_.get_company(id, properties);
  }
  hubspot::Result<hubspot::Company> update_company(
      const std::string& id, const std::map<std::string, std::string>& properties) {
    fence_->check();
    return portal_.update_company(id, properties);
  }

 private:
  hubspot::Portal portal_;
  const LeaseKeeper* fence_;
};

}  // namespace hbsync::writer
