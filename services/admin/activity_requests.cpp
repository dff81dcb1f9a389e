#include "activity_requests.hpp"

#include "activity_json.hpp"
#include "activity_keys.hpp"
#include "hbsync/log/log.hpp"
#include "hbsync/service/sync_request.hpp"

namespace hbsync::admin::activity {
namespace {

constexpr std::string_view kRequestedBy = "console";

std::string_view kind_key(v1::SyncRequest::Kind kind) {
  return kind == v1::SyncRequest::BULK_COMPANIES ? "bulk_companies" : "sync_now";
}

std::optional<LastRequest> last_request(redis::Client& redis, const std::string& tenant_id,
                                        v1::SyncRequest::Kind kind) {
  const redis::Reply r = redis.command(
      {"HMGET", keys::last_request(tenant_id, kind_key(kind)), "request_id", "requested_at_ms"});
  if (r.elements.size() != 2 || r.elements[0].str.empty()) return std::nullopt;
  LastRequest last{.request_id = r.elements[0].str};
  try {
    last.requested_at_ms = std::stoll(r.elements[1].str);
  } catch (const std::exception&) {
    last.requested_at_ms = 0;
  }
  return last;
}

std::string sync_status_json(const std::optional<LastRequest>& last, const poll::RunStatus& s) {
  rapidjson::StringBuffer out;
  JsonWriter w(out);
  w.StartObject();
  if (last && sync_queued(*last, s)) {
    field(w, "state", "queued");
    field(w, "request_id", last->request_id);
  } else {
    field(w, "state", s.state.empty() ? std::string_view("idle") : std::string_view(s.state));
    field_if(w, "request_id", s.request_id);
    field_if(w, "run_id", s.run_id);
    field_if(w, "kind", s.kind);
    field_if(w, "started_at_ms", s.started_at_ms);
    field_if(w, "finished_at_ms", s.finished_at_ms);
    if (!s.state.empty()) {
      field(w, "projects_seen", s.projects_seen);
      field(w, "published", s.published);
      field(w, "calls", s.calls);
    }
    field_if(w, "error", s.error);
  }
  field_if(w, "last_success_at_ms", s.last_success_at_ms);
  w.EndObject();
  return out.GetString();
}

std::string bulk_status_json(const std::optional<LastRequest>& last,
                             const std::optional<bulk::Status>& status) {
  const bool queued = last && bulk_queued(*last, status);
  const bulk::Status s = queued ? bulk::Status{} : status.value_or(bulk::Status{});
  rapidjson::StringBuffer out;
  JsonWriter w(out);
  w.StartObject();
  field(w, "state",
        queued            ? std::string_view("queued")
        : s.state.empty() ? std::string_view("idle")
                          : std::string_view(s.state));
  field_if(w, "request_id", queued ? last->request_id : s.run_id);
  field_if(w, "run_id", s.run_id);
  for (const auto& [key, value] : {std::pair<const char*, int64_t>{"total", s.total},
                                   {"done", s.done},
                                   {"created", s.created},
                                   {"linked", s.linked},
                                   {"skipped", s.skipped},
                                   {"failed", s.failed}}) {
    field(w, key, value);
  }
  field_if(w, "started_at_ms", s.started_at_ms);
  field_if(w, "finished_at_ms", s.finished_at_ms);
  field_if(w, "error", s.error);
  w.EndObject();
  return out.GetString();
}

http::Response post_request(Services& services, const Call& call, v1::SyncRequest::Kind kind) {
  const auto request_id = request_sync(services, call.tenant_id, kind);
  if (!request_id) return kafka_unavailable();
  return accepted(*request_id);
}

}  // namespace

bool sync_queued(const LastRequest& last, const poll::RunStatus& status) {
  return !last.request_id.empty() && status.request_id != last.request_id &&
         status.started_at_ms < last.requested_at_ms &&
         status.last_success_started_ms < last.requested_at_ms;
}

bool bulk_queued(const LastRequest& last, const std::optional<bulk::Status>& status) {
  if (last.request_id.empty()) return false;
  return !status ||
         (status->run_id != last.request_id && status->started_at_ms < last.requested_at_ms);
}

std::optional<std::string> request_sync(Services& services, const std::string& tenant_id,
                                        v1::SyncRequest::Kind kind) {
  const v1::SyncRequest request =
      service::make_sync_request(tenant_id, kind, std::string(kRequestedBy), services.now_ms());
  const kafka::DeliveryResult sent = services.producer.produce_sync(
      service::sync_request_message(services.topics.sync_requests, request));
  if (!sent.ok) {
    log::warn("admin api: sync request not acknowledged by kafka",
              {{"tenant", tenant_id}, {"kind", kind_key(kind)}, {"error", sent.error}});
    return std::nullopt;
  }
  services.redis.command({"HSET", keys::last_request(tenant_id, kind_key(kind)), "request_id",
                          request.request_id(), "requested_at_ms",
                          std::to_string(request.requested_at_ms())});
  log::info("admin api: sync requested",
            {{"tenant", tenant_id}, {"kind", kind_key(kind)}, {"request", request.request_id()}});
  return request.request_id();
}

http::Response post_sync_now(Services& services, const Call& call) {
  return post_request(services, call, v1::SyncRequest::SYNC_NOW);
}

http::Response get_sync_status(Services& services, const Call& call) {
  const auto last = last_request(services.redis, call.tenant_id, v1::SyncRequest::SYNC_NOW);
  return json_ok(sync_status_json(last, poll::read_status(services.redis, call.tenant_id)));
}

http::Response post_bulk_companies(Services& services, const Call& call) {
  return post_request(services, call, v1::SyncRequest::BULK_COMPANIES);
}

http::Response get_bulk_status(Services& services, const Call& call) {
  const auto last = last_request(services.redis, call.tenant_id, v1::SyncRequest::BULK_COMPANIES);
  return json_ok(bulk_status_json(last, bulk::read_status(services.redis, call.tenant_id)));
}

http::Response accepted(const std::string& request_id) {
  rapidjson::StringBuffer out;
  JsonWriter w(out);
  w.StartObject();
  field(w, "request_id", request_id);
  w.EndObject();
  return http::Response::json(202, out.GetString());
}

http::Response kafka_unavailable() {
  return api_error(503, "kafka_unavailable",
                   "同期の依頼を受け付けられませんでした (キューが応答しません)。"
                   "しばらくしてから再度お試しください。");
}

}  // namespace hbsync::admin::activity
