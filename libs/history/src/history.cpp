#include "hbsync/history/history.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "hbsync/history/keys.hpp"
#include "hbsync/history/page.hpp"

namespace hbsync::history {
namespace {

int64_t to_int(const std::string& s) {
  try {
    return s.empty() ? 0 : std::stoll(s);
  } catch (const std::exception&) {
    return 0;
  }
}

Entry to_entry(const redis::Reply& item) {
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
    else if (name == "dead_letter")
      e.dead_letter = value;
  }
  return e;
}

// The entries of an XRANGE / XREVRANGE reply, in its order.
std::vector<Entry> to_entries(const redis::Reply& reply) {
  std::vector<Entry> out;
  if (!reply.is_array()) return out;
  for (const auto& item : reply.elements) {
    if (!item.is_array() || item.elements.size() != 2) continue;
    out.push_back(to_entry(item));
  }
  return out;
}

}  // namespace

size_t load_max_entries(config::Loader& config) {
  const auto max = config.integer("HBSYNC_HISTORY_MAX", static_cast<int64_t>(kDefaultMaxEntries),
                                  "Entries kept in each tenant's sync history (approximately); "
                                  "the same value in every service",
                                  100, 10000000);
  const std::string renamed =
      config.str("HBSYNC_WRITER_HISTORY_MAX", "", "Renamed HBSYNC_HISTORY_MAX; refused when set");
  if (!renamed.empty()) {
    config.reject("HBSYNC_WRITER_HISTORY_MAX",
                  "renamed HBSYNC_HISTORY_MAX (read by the mapper, writer and poller alike)");
  }
  return static_cast<size_t>(max);
}

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
  add_text("dead_letter", e.dead_letter);
  // XADD is not idempotent: a resend after a lost answer would add a twin.
  redis_.command(args, redis::Idempotent::no);
}

std::vector<Entry> History::latest(const std::string& tenant_id, size_t count) const {
  return to_entries(
      redis_.command({"XREVRANGE", key(tenant_id), "+", "-", "COUNT", std::to_string(count)}));
}

Page History::page(const std::string& tenant_id, const PageQuery& query) const {
  if (!query.before.empty() && !is_stream_id(query.before)) {
    throw std::invalid_argument("history page cursor is not a stream id");
  }
  PageBuilder builder(query);
  std::string end = query.before.empty() ? "+" : "(" + query.before;
  for (;;) {
    const size_t wanted = builder.wanted();
    if (wanted == 0) return std::move(builder).finish(false);
    std::vector<Entry> chunk = to_entries(
        redis_.command({"XREVRANGE", key(tenant_id), end, "-", "COUNT", std::to_string(wanted)}));
    const bool exhausted = chunk.size() < wanted;
    for (auto& e : chunk) {
      end = "(" + e.id;
      if (!builder.offer(std::move(e))) return std::move(builder).finish(false);
    }
    if (exhausted) return std::move(builder).finish(true);
  }
}

std::optional<Entry> History::find(const std::string& tenant_id, const std::string& id) const {
  if (!is_stream_id(id)) return std::nullopt;
  std::vector<Entry> found = to_entries(redis_.command({"XRANGE", key(tenant_id), id, id}));
  if (found.empty()) return std::nullopt;
  return std::move(found.front());
}

std::map<std::string, int64_t> History::count_by_action(const std::string& tenant_id,
                                                        int64_t since_ms, size_t max_scan) const {
  constexpr int64_t kSkewMs = 5 * 60 * 1000;
  constexpr size_t kStep = 1000;
  ActionTally tally(since_ms, kSkewMs);
  std::string end = "+";
  size_t scanned = 0;
  while (scanned < max_scan) {
    const size_t wanted = std::min(kStep, max_scan - scanned);
    const std::vector<Entry> chunk = to_entries(
        redis_.command({"XREVRANGE", key(tenant_id), end, "-", "COUNT", std::to_string(wanted)}));
    for (const auto& e : chunk) {
      if (!tally.offer(e)) return tally.counts();
      end = "(" + e.id;
    }
    scanned += chunk.size();
    if (chunk.size() < wanted) break;
  }
  return tally.counts();
}

}  // namespace hbsync::history
