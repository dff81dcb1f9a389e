#include "publish.hpp"

#include "hbsync/log/log.hpp"
#include "hbsync/service/commands.hpp"
#include "planner.hpp"

namespace hbsync::mapper {
namespace {

int64_t object_of(const v1::SyncCommand& command) {
  if (command.has_record_skip()) return command.record_skip().object_id();
  if (command.has_sync_deal()) return command.sync_deal().deal_id();
  if (command.has_update_deal()) return command.update_deal().deal_id();
  if (command.has_deactivate_deal()) return command.deactivate_deal().deal_id();
  if (command.has_repoint_links()) return command.repoint_links().surviving_id();
  return 0;
}

}  // namespace

service::Outcome publish_command(kafka::Producer& producer, const std::string& topic,
                                 const v1::SyncCommand& command, const std::string& replay) {
  kafka::OutgoingMessage out;
  out.topic = topic;
  out.key = command_key(command);
  out.value = command.SerializeAsString();
  out.headers.emplace_back("hbsync-schema", std::string(kSyncCommandSchema));
  if (!replay.empty()) out.headers.emplace_back(std::string(kafka::kReplayHeader), replay);
  auto delivery = producer.produce_sync(std::move(out));
  if (!delivery.ok) {
    log::warn("command not acknowledged by kafka", {{"error", delivery.error}});
    return service::retry(service::Reason::kafka_unavailable, delivery.error);
  }
  std::string_view reason;
  if (command.has_record_skip()) reason = command.record_skip().reason_code();
  log::info("command published", {{"tenant", command.tenant_id()},
                                  {"action", service::command_kind(command)},
                                  {"object_id", object_of(command)},
                                  {"reason_code", reason},
                                  {"command_id", command.command_id()}});
  return {};
}

}  // namespace hbsync::mapper
