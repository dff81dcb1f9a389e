#include "activity_retry.hpp"

#include <variant>

#include "activity_keys.hpp"
#include "activity_requests.hpp"
#include "hbsync/log/log.hpp"
#include "hbsync/redis/lease.hpp"
#include "hbsync/service/dlq_keys.hpp"
#include "hbsync/service/dlq_replay.hpp"
#include "hbsync/service/hubspot_events.hpp"
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
          .key = service::hubspot_events_key(portal_id),
          .value = event.SerializeAsString(),
          .headers = {{service::dlq::kSchemaHeader, v1::HubSpotEvent::descriptor()->full_name()},
                      {std::string(kafka::kReplayHeader), "history:" + entry.id}},
          .correlation_id = request_id};
}

// A retry sent (its request id) or refused (the answer).
struct Sent {
  std::string request_id;
  std::optional<http::Response> refused;
};

Sent refused(http::Response r) {
  return {.request_id = {}, .refused = std::move(r)};
}

// The entry's dead letter, read back from the dlq topic, or why not.
std::variant<v1::DeadLetter, http::Response> dead_letter_of(Services& services,
                                                            const std::string& tenant_id,
                                                            const std::string& letter_id) {
  const auto gone = [] {
    return api_error(409, "dead_letter_gone",
                     "この失敗の記録がもう残っていないため再実行できません。"
                     "運用担当者にお問い合わせください。");
  };
  const size_t colon = letter_id.find(':');
  std::optional<kafka::Record> record;
  try {
    if (colon == std::string::npos || !services.read_dead_letter) return gone();
    record = services.read_dead_letter(std::stoi(letter_id.substr(0, colon)),
                                       std::stoll(letter_id.substr(colon + 1)));
  } catch (const kafka::ReadError& e) {
    log::warn("admin api: dead letter not readable", {{"tenant", tenant_id}, {"error", e.what()}});
    return kafka_unavailable();
  } catch (const std::logic_error&) {  // not numbers
    return gone();
  }
  v1::DeadLetter dl;
  if (!record || !dl.ParseFromString(record->value)) return gone();
  if (dl.tenant_id() != tenant_id) {
    return api_error(404, "not_found", "指定された履歴が見つかりません。");
  }
  if (service::dlq::replayed_at(services.redis, letter_id)) {
    return api_error(409, "already_retried",
                     "この失敗は既に再実行されています。結果は履歴に表示されます。");
  }
  return dl;
}

// Replays the entry's dead letter as `hbsync-ctl dlq replay` does.
Sent replay_dead_letter(Services& services, const std::string& tenant_id,
                        const history::Entry& entry) {
  auto letter = dead_letter_of(services, tenant_id, entry.dead_letter);
  if (auto* answer = std::get_if<http::Response>(&letter)) return refused(std::move(*answer));
  auto plan = service::dlq::plan_replay(services.topics, std::get<v1::DeadLetter>(letter),
                                        entry.dead_letter, false, services.now_ms());
  if (!plan) {
    return refused(api_error(
        409, "not_retryable",
        "この履歴には再実行の方法がありません。原因を解消すると次の同期で反映されます。"));
  }
  const std::string request_id = redis::Lease::random_token();
  plan->message.correlation_id = request_id;
  const auto sent = services.producer.produce_sync(std::move(plan->message));
  if (!sent.ok) {
    log::warn("admin api: dead letter replay not acknowledged by kafka",
              {{"tenant", tenant_id}, {"error", sent.error}});
    return refused(kafka_unavailable());
  }
  service::dlq::mark_replayed(services.redis, entry.dead_letter, services.now_ms());
  log::info("admin api: dead letter replayed",
            {{"tenant", tenant_id}, {"dead_letter", entry.dead_letter}, {"request", request_id}});
  return {.request_id = request_id, .refused = std::nullopt};
}

// Sends the retry; its request id, nullopt when Kafka did not acknowledge.
std::optional<std::string> send_request(Services& services, const std::string& tenant_id,
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
    case RetryWith::dead_letter:
    case RetryWith::nothing:
      break;
  }
  return std::nullopt;
}

Sent send_retry(Services& services, const std::string& tenant_id, const history::Entry& entry,
                RetryWith with) {
  if (with == RetryWith::dead_letter) return replay_dead_letter(services, tenant_id, entry);
  auto request_id = send_request(services, tenant_id, entry, with);
  if (!request_id) return refused(kafka_unavailable());
  return {.request_id = std::move(*request_id), .refused = std::nullopt};
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
  if (!e.dead_letter.empty()) return RetryWith::dead_letter;
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
  Sent sent;
  try {
    sent = send_retry(services, call.tenant_id, *entry, retry_with(*entry));
  } catch (...) {
    marks.release(id);
    throw;
  }
  if (sent.refused) {
    marks.release(id);
    return std::move(*sent.refused);
  }
  marks.mark(id, services.now_ms());
  log::info("admin api: history entry retried",
            {{"tenant", call.tenant_id}, {"entry", id}, {"request", sent.request_id}});
  return accepted(sent.request_id);
}

}  // namespace hbsync::admin::activity
