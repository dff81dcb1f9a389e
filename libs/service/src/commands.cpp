#include "hbsync/service/commands.hpp"

#include "hbsync/domain/idempotency.hpp"

namespace hbsync::service {

std::string_view command_kind(const v1::SyncCommand& c) {
  namespace kind = domain::command_kind;
  switch (c.action_case()) {
    case v1::SyncCommand::kSyncDeal:
      return kind::sync_deal;
    case v1::SyncCommand::kUpdateOrderStatus:
      return kind::update_order_status;
    case v1::SyncCommand::kUpdateDeal:
      return kind::update_deal;
    case v1::SyncCommand::kRecordSkip:
      return kind::record_skip;
    case v1::SyncCommand::kDeactivateDeal:
      return kind::deactivate_deal;
    case v1::SyncCommand::kRepointLinks:
      return kind::repoint_links;
    case v1::SyncCommand::kSyncCompany:
      return kind::sync_company;
    case v1::SyncCommand::kCreateCompany:
      return kind::create_company;
    case v1::SyncCommand::ACTION_NOT_SET:
      break;
  }
  return "unknown";
}

}  // namespace hbsync::service
