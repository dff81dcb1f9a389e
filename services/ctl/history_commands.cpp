// hbsync-ctl history <tenant>: a tenant's sync history (SPEC F7), newest
// first, from the capped Redis stream the writer records into
// (libs/history). Ids and codes only, like the history itself.
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <iostream>

#include "ctl.hpp"
#include "hbsync/history/history.hpp"
#include "hbsync/tenant/settings.hpp"

namespace hbsync::ctl {
namespace {

constexpr int64_t kDefaultLimit = 50;
constexpr int64_t kMaxLimit = 10000;  // the stream keeps about this many

int64_t parse_limit(const std::string& text) {
  try {
    size_t used = 0;
    const long long v = std::stoll(text, &used);
    if (used == text.size() && v >= 1 && v <= kMaxLimit) return v;
  } catch (const std::exception&) {
  }
  throw UsageError("--limit must be a whole number from 1 to " + std::to_string(kMaxLimit));
}

std::string id_text(int64_t id) {
  return id == 0 ? "-" : std::to_string(id);
}

std::string or_dash(const std::string& text) {
  return text.empty() ? "-" : text;
}

template <typename Writer>
void write_entry(Writer& w, const history::Entry& e) {
  auto string = [&](const char* name, const std::string& value) {
    w.Key(name);
    w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  };
  auto id = [&](const char* name, int64_t value) {
    w.Key(name);
    if (value == 0) {
      w.Null();
    } else {
      w.Int64(value);
    }
  };
  w.StartObject();
  string("id", e.id);
  string("at", iso_utc(e.at_ms, true));
  w.Key("at_ms");
  w.Int64(e.at_ms);
  string("direction", e.direction);
  string("action", e.action);
  id("deal_id", e.deal_id);
  id("company_id", e.company_id);
  id("client_id", e.client_id);
  id("project_id", e.project_id);
  string("reason_code", e.reason_code);
  string("message", e.message);
  w.Key("attempts");
  w.Int(e.attempts);
  string("command_id", e.command_id);
  w.Key("dead_letter");
  if (e.dead_letter.empty()) {
    w.Null();
  } else {
    w.String(e.dead_letter.data(), static_cast<rapidjson::SizeType>(e.dead_letter.size()));
  }
  w.EndObject();
}

int show_history(const Args& args) {
  if (args.positional.size() != 1) throw UsageError("history takes exactly one tenant id");
  const std::string& tenant_id = args.positional[0];
  if (!tenant::is_valid_tenant_id(tenant_id)) {
    throw UsageError("\"" + tenant_id +
                     "\" is not a tenant id (a HubSpot portal id: digits, no leading zero)");
  }
  int64_t limit = kDefaultLimit;
  if (auto v = args.value("--limit")) limit = parse_limit(*v);

  Environment env = load_environment(false);
  redis::Client redis(env.redis);
  history::History history(redis);
  const auto entries = history.latest(tenant_id, static_cast<size_t>(limit));

  if (args.has("--json")) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    w.StartArray();
    for (const auto& e : entries) write_entry(w, e);
    w.EndArray();
    std::cout << buffer.GetString() << "\n";
    return kOk;
  }
  if (entries.empty()) {
    std::cerr << "no history for tenant " << tenant_id << "\n";
    return kOk;
  }
  std::vector<std::vector<std::string>> rows = {{"TIME", "DIRECTION", "ACTION", "DEAL", "COMPANY",
                                                 "CLIENT", "PROJECT", "REASON", "ATTEMPTS",
                                                 "MESSAGE"}};
  for (const auto& e : entries) {
    rows.push_back({iso_utc(e.at_ms), or_dash(e.direction), or_dash(e.action), id_text(e.deal_id),
                    id_text(e.company_id), id_text(e.client_id), id_text(e.project_id),
                    or_dash(e.reason_code), e.attempts == 0 ? "-" : std::to_string(e.attempts),
                    e.message});
  }
  std::cout << format_table(rows);
  return kOk;
}

}  // namespace

std::string history_help() {
  return R"txt(Usage: hbsync-ctl history TENANT [--limit N] [--json]

A tenant's sync history (what the writer did or why it did not), newest
first: time (UTC), direction, action, HubSpot deal and company ids, board
client and project ids ("-": not concerned), reason code, attempts and
message. Ids and codes only. --limit N shows the newest N entries (default
50, at most 10000; the history keeps about 10000 per tenant). --json prints
a JSON array with the entries' stream ids, command ids and, for a failure,
its dead letter id (`hbsync-ctl dlq show ID`) too.
)txt";
}

int history_main(std::span<const std::string> argv) {
  const std::vector<OptionSpec> specs = {{"--limit", "-n", true}, {"--json", "", false}};
  Args args = parse_args(argv, specs);
  if (args.help || (argv.size() == 1 && argv[0] == "help")) {
    std::cout << history_help();
    return kOk;
  }
  return show_history(args);
}

}  // namespace hbsync::ctl
