#include "hbsync/links/links.hpp"

#include <algorithm>
#include <charconv>

#include "hbsync/links/keys.hpp"

namespace hbsync::links {
namespace {

// Both directions of a link in one MULTI/EXEC: `commands` are the HSET/HDEL
// of each side.
void both_ways(redis::Client& redis, std::vector<std::vector<std::string>> commands) {
  commands.insert(commands.begin(), {"MULTI"});
  commands.push_back({"EXEC"});
  for (const auto& r : redis.pipeline(commands)) r.throw_if_error();
}

std::vector<std::string_view> split(std::string_view s) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (start <= s.size()) {
    const size_t comma = s.find(',', start);
    const size_t end = comma == std::string_view::npos ? s.size() : comma;
    parts.push_back(s.substr(start, end - start));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  if (s.empty()) parts.clear();
  return parts;
}

int64_t to_int(std::string_view s) {
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc()) return 0;
  return value;
}

// An id inside the comma-separated value: one with a comma (none of
// HubSpot's) is kept as unknown rather than breaking the value.
std::string field(std::string_view id) {
  return id.find(',') == std::string_view::npos ? std::string(id) : std::string();
}

// Sets fields (1-based positions of DealLink::encode) of a deal link and keeps
// the rest. KEYS[1] the deal hash; ARGV[1] the deal id, then position, value
// pairs. Returns 0 when the deal has no link.
const redis::Script& patch_script() {
  static const redis::Script script(R"(
local v = redis.call('HGET', KEYS[1], ARGV[1])
if not v then return 0 end
local parts = {}
for p in string.gmatch(v .. ',', '([^,]*),') do parts[#parts + 1] = p end
for i = 2, #ARGV, 2 do
  local at = tonumber(ARGV[i])
  while #parts < at - 1 do parts[#parts + 1] = (#parts == 4) and '0' or '' end
  parts[at] = ARGV[i + 1]
end
redis.call('HSET', KEYS[1], ARGV[1], table.concat(parts, ','))
return 1
)");
  return script;
}

}  // namespace

std::string DealLink::encode() const {
  return std::to_string(project_id) + "," + std::to_string(order_status) + "," +
         (active ? "1" : "0") + "," + std::to_string(revision_ms) + "," +
         std::to_string(company_id) + "," + field(pipeline_id) + "," + field(stage_id) + "," +
         std::to_string(hubspot_changed_ms) + "," + std::to_string(board_synced_ms) + "," +
         field(amount_digest);
}

std::optional<DealLink> DealLink::decode(std::string_view value) {
  auto parts = split(value);
  if (parts.size() < 4 || to_int(parts[0]) <= 0) return std::nullopt;
  return DealLink{.project_id = to_int(parts[0]),
                  .order_status = static_cast<int>(to_int(parts[1])),
                  .active = parts[2] == "1",
                  .revision_ms = to_int(parts[3]),
                  .company_id = parts.size() > 4 ? to_int(parts[4]) : 0,
                  .pipeline_id = parts.size() > 5 ? std::string(parts[5]) : std::string(),
                  .stage_id = parts.size() > 6 ? std::string(parts[6]) : std::string(),
                  .hubspot_changed_ms = parts.size() > 7 ? to_int(parts[7]) : 0,
                  .board_synced_ms = parts.size() > 8 ? to_int(parts[8]) : 0,
                  .amount_digest = parts.size() > 9 ? std::string(parts[9]) : std::string()};
}

Links::Links(redis::Client& redis) : redis_(redis) {}

std::string Links::links_key(std::string_view tenant, std::string_view kind) {
  return keys::links(tenant, kind);
}

std::optional<CompanyLink> Links::company_link(const std::string& tenant, int64_t company_id) {
  auto reply = redis_.command({"HGET", keys::company(tenant), std::to_string(company_id)});
  if (!reply.is_string()) return std::nullopt;
  auto parts = split(reply.str);
  if (parts.empty() || to_int(parts[0]) <= 0) return std::nullopt;
  return CompanyLink{.client_id = to_int(parts[0]),
                     .url_written = parts.size() > 1 && parts[1] == "1"};
}

std::optional<int64_t> Links::company_of_client(const std::string& tenant, int64_t client_id) {
  auto reply = redis_.command({"HGET", keys::client(tenant), std::to_string(client_id)});
  if (!reply.is_string()) return std::nullopt;
  return to_int(reply.str);
}

void Links::link_company(const std::string& tenant, int64_t company_id, const CompanyLink& link) {
  const std::string company = std::to_string(company_id);
  const std::string client = std::to_string(link.client_id);
  both_ways(redis_, {{"HSET", keys::company(tenant), company,
                      client + "," + (link.url_written ? "1" : "0")},
                     {"HSET", keys::client(tenant), client, company}});
}

void Links::unlink_company(const std::string& tenant, int64_t company_id, int64_t client_id) {
  both_ways(redis_, {{"HDEL", keys::company(tenant), std::to_string(company_id)},
                     {"HDEL", keys::client(tenant), std::to_string(client_id)}});
}

std::optional<DealLink> Links::deal_link(const std::string& tenant, int64_t deal_id) {
  auto reply = redis_.command({"HGET", keys::deal(tenant), std::to_string(deal_id)});
  if (!reply.is_string()) return std::nullopt;
  return DealLink::decode(reply.str);
}

std::optional<int64_t> Links::deal_of_project(const std::string& tenant, int64_t project_id) {
  auto reply = redis_.command({"HGET", keys::project(tenant), std::to_string(project_id)});
  if (!reply.is_string()) return std::nullopt;
  return to_int(reply.str);
}

void Links::link_deal(const std::string& tenant, int64_t deal_id, const DealLink& link) {
  const std::string project = std::to_string(link.project_id);
  both_ways(redis_, {{"HSET", keys::deal(tenant), std::to_string(deal_id), link.encode()},
                     {"HSET", keys::project(tenant), project, std::to_string(deal_id)}});
}

void Links::unlink_deal(const std::string& tenant, int64_t deal_id, int64_t project_id) {
  both_ways(redis_, {{"HDEL", keys::deal(tenant), std::to_string(deal_id)},
                     {"HDEL", keys::project(tenant), std::to_string(project_id)}});
}

bool Links::patch_deal(const std::string& tenant, int64_t deal_id, const DealPatch& patch) {
  std::vector<std::string> args{std::to_string(deal_id)};
  auto set = [&](int at, std::string value) {
    args.push_back(std::to_string(at));
    args.push_back(std::move(value));
  };
  if (patch.order_status) set(2, std::to_string(*patch.order_status));
  if (patch.revision_ms) set(4, std::to_string(*patch.revision_ms));
  if (patch.company_id) set(5, std::to_string(*patch.company_id));
  if (patch.pipeline_id) set(6, field(*patch.pipeline_id));
  if (patch.stage_id) set(7, field(*patch.stage_id));
  if (patch.hubspot_changed_ms) set(8, std::to_string(*patch.hubspot_changed_ms));
  if (patch.board_synced_ms) set(9, std::to_string(*patch.board_synced_ms));
  if (patch.amount_digest) set(10, field(*patch.amount_digest));
  return patch_script().eval(redis_, {keys::deal(tenant)}, args, redis::Idempotent::yes).integer ==
         1;
}

int64_t Links::linked_companies(const std::string& tenant) {
  return redis_.command({"HLEN", keys::company(tenant)}).throw_if_error().integer;
}

bool Links::is_project_linked(const std::string& tenant, int64_t project_id) {
  auto reply = redis_.command({"HEXISTS", keys::project(tenant), std::to_string(project_id)});
  return reply.throw_if_error().integer == 1;
}

std::vector<int64_t> Links::linked_project_ids(const std::string& tenant, int batch) {
  std::vector<int64_t> ids;
  const std::string key = keys::project(tenant);
  std::string cursor = "0";
  do {
    auto reply = redis_.command({"HSCAN", key, cursor, "COUNT", std::to_string(batch)});
    reply.throw_if_error();
    if (!reply.is_array() || reply.elements.size() != 2) {
      throw redis::Error(redis::Error::Kind::reply, "unexpected HSCAN reply");
    }
    cursor = reply.elements[0].str;
    const auto& fields = reply.elements[1].elements;
    for (size_t i = 0; i + 1 < fields.size(); i += 2) {
      if (int64_t id = to_int(fields[i].str); id > 0) ids.push_back(id);
    }
  } while (cursor != "0");
  // HSCAN may return a field twice (the hash grew while scanned).
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

}  // namespace hbsync::links
