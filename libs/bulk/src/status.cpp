#include "hbsync/bulk/status.hpp"

#include <algorithm>
#include <charconv>

#include "hbsync/tenant/keys.hpp"

namespace hbsync::bulk {
namespace {

int64_t number(const std::map<std::string, std::string>& fields, const char* name) {
  auto it = fields.find(name);
  if (it == fields.end()) return 0;
  int64_t value = 0;
  const char* end = it->second.data() + it->second.size();
  auto [ptr, ec] = std::from_chars(it->second.data(), end, value);
  return ec == std::errc() && ptr == end ? value : 0;
}

std::string text(const std::map<std::string, std::string>& fields, const char* name) {
  auto it = fields.find(name);
  return it == fields.end() ? std::string() : it->second;
}

int percent(const Status& s) {
  if (s.total <= 0) return s.finished() ? 100 : 0;
  return static_cast<int>(std::min<int64_t>(100, s.done * 100 / s.total));
}

std::string counts(const Status& s, const char* separator) {
  return "created " + std::to_string(s.created) + separator + "linked " + std::to_string(s.linked) +
         separator + "skipped " + std::to_string(s.skipped) + separator + "failed " +
         std::to_string(s.failed);
}

}  // namespace

std::string status_key(std::string_view tenant_id) {
  return tenant::keys::tenant(tenant_id, "bulk:companies");
}
std::string outcomes_key(std::string_view tenant_id) {
  return tenant::keys::tenant(tenant_id, "bulk:companies:clients");
}
std::string lease_key(std::string_view tenant_id) {
  return "hbsync:lease:bulk-companies:" + std::string(tenant_id);
}

Status from_fields(const std::map<std::string, std::string>& f) {
  return Status{.run_id = text(f, "run_id"),
                .state = text(f, "state"),
                .total = number(f, "total"),
                .done = number(f, "done"),
                .created = number(f, "created"),
                .linked = number(f, "linked"),
                .skipped = number(f, "skipped"),
                .failed = number(f, "failed"),
                .started_at_ms = number(f, "started_at_ms"),
                .updated_at_ms = number(f, "updated_at_ms"),
                .finished_at_ms = number(f, "finished_at_ms"),
                .attempts = number(f, "attempts"),
                .error = text(f, "error")};
}

std::optional<Status> read_status(redis::Client& redis, std::string_view tenant_id) {
  redis::Reply reply = redis.command({"HGETALL", status_key(tenant_id)});
  if (!reply.is_array() || reply.elements.empty()) return std::nullopt;
  std::map<std::string, std::string> fields;
  for (size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
    fields[reply.elements[i].str] = reply.elements[i + 1].str;
  }
  return from_fields(fields);
}

std::string progress_bar(const Status& s, int width) {
  width = std::max(width, 1);
  const int filled = percent(s) * width / 100;
  std::string bar = "[" + std::string(static_cast<size_t>(filled), '#') +
                    std::string(static_cast<size_t>(width - filled), '.') + "]";
  const std::string total = std::to_string(s.total);
  std::string done = std::to_string(s.done);
  if (done.size() < total.size()) done.insert(0, total.size() - done.size(), ' ');
  std::string pct = std::to_string(percent(s)) + "%";
  if (pct.size() < 4) pct.insert(0, 4 - pct.size(), ' ');
  return bar + "  " + done + "/" + total + "  " + pct + "  " + counts(s, " ");
}

std::string progress_line(const Status& s) {
  std::string line = "bulk-sync companies " + std::to_string(s.done) + "/" +
                     std::to_string(s.total) + " (" + std::to_string(percent(s)) +
                     "%): " + counts(s, ", ") + " [" + (s.state.empty() ? "queued" : s.state);
  if (!s.error.empty()) line += " " + s.error;
  return line + "]";
}

}  // namespace hbsync::bulk
