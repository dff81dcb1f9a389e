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

}  // namespace

std::string DealLink::encode() const {
  return std::to_string(project_id) + "," + std::to_string(order_status) + "," +
         (active ? "1" : "0") + "," + std::to_string(revision_ms) + "," +
         std::to_string(company_id);
}

std::optional<DealLink> DealLink::decode(std::string_view value) {
  auto parts = split(value);
  if (parts.size() < 4 || to_int(parts[0]) <= 0) return std::nullopt;
  return DealLink{.project_id = to_int(parts[0]),
                  .order_status = static_cast<int>(to_int(parts[1])),
                  .active = parts[2] == "1",
                  .revision_ms = to_int(parts[3]),
                  .company_id = parts.size() > 4 ? to_int(parts[4]) : 0};
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
