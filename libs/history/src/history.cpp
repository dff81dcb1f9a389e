#include "hbsync/history/history.hpp"

#include <chrono>
#include <stdexcept>

#include "hbsync/history/keys.hpp"

namespace hbsync::history {
namespace {

int64_t to_int(const std::string& s) {
  try {
    return s.empty() ? 0 : std::stoll(s);
  } catch (const std::exception&) {
    return 0;
  }
}

}  // namespace

History::History(redis::Client& redis, size_t max_entries)
    : redis_(redis), max_entries_(max_entries) {}

std::string History::key(std::string_view tenant_id) {
  return keys::stream(tenant_id);
}

void History::record(const std::string& tenant_id, const Entry& e) {
  int64_t at = e.at_ms;
  if (at == 0) {
    at = std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
             .count();
  }
  std::vector<std::string> args = {
      "XADD",   key(tenant_id), "MAXLEN",           "~",         std::to_string(max_entries_),
      "*",      "at",           std::to_string(at), "direction", e.direction,
      "action", e.action};
  auto add_id = [&](const char* name, int64_t v) {
    if (v != 0) {
      args.emplace_back(name);
      args.push_back(std::to_string(v));
    }
  };
  add_id("deal", e.deal_id);
  add_id("company", e.company_id);
  add_id("client", e.client_id);
  add_id("project", e.project_id);
  auto add_text = [&](const char* name, const std::string& v) {
    if (!v.empty()) {
      args.emplace_back(name);
      args.push_back(v);
    }
  };
  add_text("reason", e.reason_code);
  add_text("message", e.message);
  add_id("attempts", e.attempts);
  add_text("command", e.command_id);
  // XADD is not idempotent: a resend after a lost answer would add a twin.
  redis_.command(args, redis::Idempotent::no);
}

std::vector<Entry> History::latest(const std::string& tenant_id, size_t count) const {
  auto reply =
      redis_.command({"XREVRANGE", key(tenant_id), "+", "-", "COUNT", std::to_string(count)});
  std::vector<Entry> out;
  if (!reply.is_array()) return out;
  for (const auto& item : reply.elements) {
    if (!item.is_array() || item.elements.size() != 2) continue;
    Entry e;
    e.id = item.elements[0].str;
    const auto& fields = item.elements[1].elements;
    for (size_t i = 0; i + 1 < fields.size(); i += 2) {
      const std::string& name = fields[i].str;
      const std::string& value = fields[i + 1].str;
      if (name == "at")
        e.at_ms = to_int(value);
      else if (name == "direction")
        e.direction = value;
      else if (name == "action")
        e.action = value;
      else if (name == "deal")
        e.deal_id = to_int(value);
      else if (name == "company")
        e.company_id = to_int(value);
      else if (name == "client")
        e.client_id = to_int(value);
      else if (name == "project")
        e.project_id = to_int(value);
      else if (name == "reason")
        e.reason_code = value;
      else if (name == "message")
        e.message = value;
      else if (name == "attempts")
        e.attempts = static_cast<int>(to_int(value));
      else if (name == "command")
        e.command_id = value;
    }
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace hbsync::history
