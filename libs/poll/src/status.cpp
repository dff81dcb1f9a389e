#include "hbsync/poll/status.hpp"

#include <map>

#include "hbsync/poll/keys.hpp"

namespace hbsync::poll {
namespace {

int64_t number(const std::map<std::string, std::string>& fields, const std::string& name) {
  auto it = fields.find(name);
  if (it == fields.end()) return 0;
  try {
    return std::stoll(it->second);
  } catch (const std::exception&) {
    return 0;
  }
}

std::string text(const std::map<std::string, std::string>& fields, const std::string& name) {
  auto it = fields.find(name);
  return it == fields.end() ? std::string() : it->second;
}

}  // namespace

RunStatus read_status(redis::Client& redis, const std::string& tenant_id) {
  const redis::Reply reply = redis.command({"HGETALL", keys::status(tenant_id)});
  std::map<std::string, std::string> f;
  for (size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
    f[reply.elements[i].str] = reply.elements[i + 1].str;
  }
  RunStatus s;
  s.state = text(f, "state");
  s.kind = text(f, "kind");
  s.full = text(f, "full") == "1";
  s.run_id = text(f, "run_id");
  s.request_id = text(f, "request_id");
  s.started_at_ms = number(f, "started_at_ms");
  s.finished_at_ms = number(f, "finished_at_ms");
  s.projects_seen = number(f, "projects_seen");
  s.published = number(f, "published");
  s.calls = number(f, "calls");
  s.error = text(f, "error");
  s.last_success_at_ms = number(f, "last_success_at_ms");
  s.last_success_started_ms = number(f, "last_success_started_ms");
  return s;
}

void write_status(redis::Client& redis, const std::string& tenant_id, const RunStatus& s) {
  std::vector<std::string> args = {"HSET",           keys::status(tenant_id),
                                   "state",          s.state,
                                   "kind",           s.kind,
                                   "full",           s.full ? "1" : "0",
                                   "run_id",         s.run_id,
                                   "request_id",     s.request_id,
                                   "started_at_ms",  std::to_string(s.started_at_ms),
                                   "finished_at_ms", std::to_string(s.finished_at_ms),
                                   "projects_seen",  std::to_string(s.projects_seen),
                                   "published",      std::to_string(s.published),
                                   "calls",          std::to_string(s.calls),
                                   "error",          s.error};
  if (s.state == "succeeded") {
    args.insert(args.end(), {"last_success_at_ms", std::to_string(s.finished_at_ms),
                             "last_success_started_ms", std::to_string(s.started_at_ms)});
  }
  redis.command(args);
}

}  // namespace hbsync::poll
