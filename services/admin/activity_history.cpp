#include "activity_history.hpp"

#include <algorithm>

#include "activity_json.hpp"
#include "activity_retry.hpp"

namespace hbsync::admin::activity {
namespace {

constexpr int64_t kSummaryWindowMs = 24LL * 3600 * 1000;

bool is_code(std::string_view s) {
  return !s.empty() && s.size() <= 100 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == ':' || c == '-';
  });
}

bool is_action(std::string_view s) {
  const auto& all = history::action::all;
  return std::find(all.begin(), all.end(), s) != all.end();
}

std::optional<size_t> page_size(std::string_view s) {
  if (s.empty() || s.size() > 3 ||
      !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  const size_t n = std::stoul(std::string(s));
  if (n < 1 || n > kMaxPageSize) return std::nullopt;
  return n;
}

std::string action_list() {
  std::string out;
  for (auto a : history::action::all) out += (out.empty() ? "" : ", ") + std::string(a);
  return out;
}

void write_id(JsonWriter& w, const char* key, int64_t id) {
  if (id != 0) field(w, key, std::to_string(id));
}

void write_entry(JsonWriter& w, const history::Entry& e,
                 const std::map<std::string, int64_t>& retried) {
  w.StartObject();
  field(w, "id", e.id);
  field(w, "at_ms", e.at_ms);
  field(w, "direction", e.direction);
  field(w, "action", e.action);
  write_id(w, "deal_id", e.deal_id);
  write_id(w, "company_id", e.company_id);
  write_id(w, "client_id", e.client_id);
  write_id(w, "project_id", e.project_id);
  field(w, "reason_code", e.reason_code);
  field(w, "message", e.message);
  field(w, "attempts", static_cast<int64_t>(e.attempts));
  if (!e.dead_letter.empty()) field(w, "dead_letter", e.dead_letter);
  flag(w, "retryable", retry_with(e) != RetryWith::nothing);
  if (auto it = retried.find(e.id); it != retried.end()) field(w, "retried_at_ms", it->second);
  w.EndObject();
}

std::string page_json(const history::Page& page, const std::map<std::string, int64_t>& retried) {
  rapidjson::StringBuffer out;
  JsonWriter w(out);
  w.StartObject();
  w.Key("entries");
  w.StartArray();
  for (const auto& e : page.entries) write_entry(w, e, retried);
  w.EndArray();
  field_if(w, "next_before", page.next_before);
  w.EndObject();
  return out.GetString();
}

}  // namespace

std::variant<history::PageQuery, BadParameter> page_query(const http::Request& request) {
  history::PageQuery q{.limit = kDefaultPageSize, .max_scan = kMaxScan};
  q.filter.direction = request.query_param("direction").value_or("");
  if (!q.filter.direction.empty() && q.filter.direction != history::direction::hubspot_to_board &&
      q.filter.direction != history::direction::board_to_hubspot) {
    return BadParameter{"direction",
                        "direction には hubspot_to_board か board_to_hubspot を指定してください。"};
  }
  q.filter.action = request.query_param("action").value_or("");
  if (!q.filter.action.empty() && !is_action(q.filter.action)) {
    return BadParameter{"action",
                        "action には次のいずれかを指定してください: " + action_list() + "。"};
  }
  q.filter.reason = request.query_param("reason").value_or("");
  if (!q.filter.reason.empty() && !is_code(q.filter.reason)) {
    return BadParameter{"reason", "reason には理由コード (英数字と _ . : -) を指定してください。"};
  }
  q.before = request.query_param("before").value_or("");
  if (!q.before.empty() && !history::is_stream_id(q.before)) {
    return BadParameter{"before",
                        "before には前のページの next_before をそのまま指定してください。"};
  }
  if (auto limit = request.query_param("limit")) {
    const auto n = page_size(*limit);
    if (!n) {
      return BadParameter{"limit", "limit には 1 から 200 までの整数を指定してください。"};
    }
    q.limit = *n;
  }
  return q;
}

http::Response get_history(Services& services, const Call& call) {
  auto query = page_query(call.request);
  if (const auto* bad = std::get_if<BadParameter>(&query)) {
    return api_error(400, "invalid_parameter", bad->message);
  }
  const history::Page page =
      services.history.page(call.tenant_id, std::get<history::PageQuery>(query));
  std::vector<std::string> ids;
  for (const auto& e : page.entries) ids.push_back(e.id);
  const auto retried = RetryMarks(services.redis, call.tenant_id).retried_at(ids);
  return json_ok(page_json(page, retried));
}

http::Response get_history_summary(Services& services, const Call& call) {
  const int64_t since = services.now_ms() - kSummaryWindowMs;
  std::map<std::string, int64_t> counts;
  for (auto a : history::action::all) counts[std::string(a)] = 0;
  for (const auto& [action, n] : services.history.count_by_action(call.tenant_id, since)) {
    counts[action] = n;
  }
  rapidjson::StringBuffer out;
  JsonWriter w(out);
  w.StartObject();
  field(w, "since_ms", since);
  w.Key("counts");
  w.StartObject();
  for (const auto& [action, n] : counts) field(w, action.c_str(), n);
  w.EndObject();
  w.EndObject();
  return json_ok(out.GetString());
}

}  // namespace hbsync::admin::activity
