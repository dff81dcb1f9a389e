#include "activity_retry.hpp"

#include "activity_keys.hpp"
#include "activity_requests.hpp"
#include "hbsync/log/log.hpp"
#include "hbsync/redis/lease.hpp"
#include "hbsync/service/dlq_keys.hpp"
#include "hbsync/service/replay.hpp"

namespace hbsync::admin::activity {
namespace {

constexpr std::string_view kBulkCommandPrefix = "bulk:companies:";
constexpr int64_t kMarksKeptMs = 30LL * 24 * 3600 * 1000;
constexpr int64_t kMarksKept = 10000;

// The deal's replay event on hubspot.events, as `hbsync-ctl dlq replay`
// sends it; the hbsync-replay header names the history entry.
kafka::OutgoingMessage deal_replay_message(const Services& services, int64_t portal_id,
                                           const history::Entry& entry,
                                           const std::string& request_id) {
  const v1::HubSpotEvent event =
      service::deal_replay_event(portal_id, entry.deal_id, services.now_ms());
  return {.topic = services.topics.hubspot_events,
          .key = service::deal_event_key(portal_id, entry.deal_id),
          .value = event.SerializeAsString(),
          .headers = {{service::dlq::kSchemaHeader, v1::HubSpotEvent::descriptor()->full_name()},
                      {std::string(kafka::kReplayHeader), "history:" + entry.id}},
          .correlation_id = request_id};
}

// Sends the retry; its request id, nullopt when Kafka did not acknowledge.
std::optional<std::string> send_retry(Services& services, const std::string& tenant_id,
                                      const history::Entry& entry, RetryWith with) {
  switch (with) {
    case RetryWith::deal_replay: {
      const std::string request_id = redis::Lease::random_token();
      const auto sent = services.producer.produce_sync(
          deal_replay_message(services, std::stoll(tenant_id), entry, request_id));
      if (!sent.ok) {
        log::warn("admin api: deal replay not acknowledged by kafka",
                  {{"tenant", tenant_id}, {"error", sent.error}});
        return std::nullopt;
      }
      return request_id;
    }
    case RetryWith::bulk_companies:
      return request_sync(services, tenant_id, v1::SyncRequest::BULK_COMPANIES);
    case RetryWith::sync_now:
      return request_sync(services, tenant_id, v1::SyncRequest::SYNC_NOW);
    case RetryWith::nothing:
      break;
  }
  return std::nullopt;
}

// Why the entry cannot be retried, or nullopt.
std::optional<http::Response> refusal(const std::optional<history::Entry>& entry) {
  if (!entry) {
    return api_error(404, "not_found", "指定された履歴が見つかりません。");
  }
  if (entry->action != history::action::failed && !waits_for_board(*entry)) {
    return api_error(409, "not_failed", "失敗した履歴だけを再実行できます。");
  }
  if (retry_with(*entry) == RetryWith::nothing) {
    return api_error(
        409, "not_retryable",
        "この履歴には再実行の方法がありません。原因を解消すると次の同期で反映されます。");
  }
  return std::nullopt;
}

}  // namespace

bool waits_for_board(const history::Entry& e) {
  return e.action == history::action::skipped && e.reason_code == "board_not_connected" &&
         e.direction == history::direction::hubspot_to_board && e.deal_id > 0;
}

RetryWith retry_with(const history::Entry& e) {
  if (waits_for_board(e)) return RetryWith::deal_replay;
  if (e.action != history::action::failed) return RetryWith::nothing;
  if (e.direction == history::direction::hubspot_to_board) {
    return e.deal_id > 0 ? RetryWith::deal_replay : RetryWith::nothing;
  }
  if (e.direction == history::direction::board_to_hubspot) {
    return e.command_id.starts_with(kBulkCommandPrefix) ? RetryWith::bulk_companies
                                                        : RetryWith::sync_now;
  }
  return RetryWith::nothing;
}

RetryMarks::RetryMarks(redis::Client& redis, std::string tenant_id)
    : redis_(redis), tenant_id_(std::move(tenant_id)) {}

bool RetryMarks::claim(const std::string& entry_id) {
  const auto window = std::chrono::duration_cast<std::chrono::milliseconds>(kRetryWindow);
  const redis::Reply r = redis_.command({"SET", keys::retry_guard(tenant_id_, entry_id), "1", "NX",
                                         "PX", std::to_string(window.count())},
                                        redis::Idempotent::no);
  return r.is_ok();
}

void RetryMarks::release(const std::string& entry_id) {
  redis_.command({"DEL", keys::retry_guard(tenant_id_, entry_id)});
}

void RetryMarks::mark(const std::string& entry_id, int64_t at_ms) {
  const std::string key = keys::retried(tenant_id_);
  redis_.pipeline({{"ZADD", key, std::to_string(at_ms), entry_id},
                   {"ZREMRANGEBYSCORE", key, "-inf", "(" + std::to_string(at_ms - kMarksKeptMs)},
                   {"ZREMRANGEBYRANK", key, "0", std::to_string(-kMarksKept - 1)}});
}

std::map<std::string, int64_t> RetryMarks::retried_at(const std::vector<std::string>& ids) const {
  std::map<std::string, int64_t> out;
  if (ids.empty()) return out;
  std::vector<std::string> args = {"ZMSCORE", keys::retried(tenant_id_)};
  args.insert(args.end(), ids.begin(), ids.end());
  const redis::Reply r = redis_.command(args);
  for (size_t i = 0; i < r.elements.size() && i < ids.size(); ++i) {
    if (r.elements[i].is_nil()) continue;
    try {
      out[ids[i]] = static_cast<int64_t>(std::stod(r.elements[i].str));
    } catch (const std::exception&) {
      // Not a score: shown as not retried.
    }
  }
  return out;
}

http::Response post_retry(Services& services, const Call& call) {
  const std::string id = call.request.path_param("id").value_or("");
  const std::optional<history::Entry> entry = services.history.find(call.tenant_id, id);
  if (auto refused = refusal(entry)) return std::move(*refused);
  RetryMarks marks(services.redis, call.tenant_id);
  if (!marks.claim(id)) {
    return api_error(
        409, "already_retried",
        "この履歴は少し前に再実行しました。結果が履歴に表示されるまでお待ちください。");
  }
  std::optional<std::string> request_id;
  try {
    request_id = send_retry(services, call.tenant_id, *entry, retry_with(*entry));
  } catch (...) {
    marks.release(id);
    throw;
  }
  if (!request_id) {
    marks.release(id);
    return kafka_unavailable();
  }
  marks.mark(id, services.now_ms());
  log::info("admin api: history entry retried",
            {{"tenant", call.tenant_id}, {"entry", id}, {"request", *request_id}});
  return accepted(*request_id);
}

}  // namespace hbsync::admin::activity
