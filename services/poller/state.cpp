#include "state.hpp"

#include "hbsync/poll/keys.hpp"

namespace hbsync::poller {
namespace {

// KEYS: lease, projects hash. ARGV: token, then field/value pairs.
const redis::Script& remember_script() {
  static const redis::Script script(R"(
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if #ARGV > 1 then redis.call('HSET', KEYS[2], unpack(ARGV, 2)) end
return 1
)");
  return script;
}

// KEYS: lease, watermarks hash. ARGV: token, fence, projects, invoices, full.
const redis::Script& commit_script() {
  static const redis::Script script(R"(
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local stored = tonumber(redis.call('HGET', KEYS[2], 'fence') or '0')
if stored > tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[2], 'fence', ARGV[2], 'projects', ARGV[3], 'invoices', ARGV[4],
           'full_ms', ARGV[5])
return 1
)");
  return script;
}

int64_t number(const redis::Reply& r) {
  if (!r.is_string()) return 0;
  try {
    return std::stoll(r.str);
  } catch (const std::exception&) {
    return 0;
  }
}

constexpr size_t kChunk = 500;  // fields per HMGET / HSET

}  // namespace

Watermarks State::watermarks(const std::string& tenant_id) {
  const redis::Reply r = redis_.command(
      {"HMGET", poll::keys::watermarks(tenant_id), "projects", "invoices", "full_ms"});
  Watermarks w;
  if (r.elements.size() == 3) {
    w.projects_ms = number(r.elements[0]);
    w.invoices_ms = number(r.elements[1]);
    w.full_ms = number(r.elements[2]);
  }
  return w;
}

std::map<int64_t, std::optional<ProjectState>> State::remembered(const std::string& tenant_id,
                                                                 const std::vector<int64_t>& ids) {
  std::map<int64_t, std::optional<ProjectState>> out;
  for (size_t start = 0; start < ids.size(); start += kChunk) {
    std::vector<std::string> args = {"HMGET", poll::keys::projects(tenant_id)};
    const size_t end = std::min(ids.size(), start + kChunk);
    for (size_t i = start; i < end; ++i) args.push_back(std::to_string(ids[i]));
    const redis::Reply r = redis_.command(args);
    for (size_t i = start; i < end; ++i) {
      const auto& e = r.elements.at(i - start);
      out[ids[i]] = e.is_string() ? decode(e.str) : std::nullopt;
    }
  }
  return out;
}

bool State::remember(const std::string& tenant_id, const Fence& fence,
                     const std::vector<std::pair<int64_t, ProjectState>>& states) {
  for (size_t start = 0; start == 0 || start < states.size(); start += kChunk) {
    std::vector<std::string> args = {fence.token};
    const size_t end = std::min(states.size(), start + kChunk);
    for (size_t i = start; i < end; ++i) {
      args.push_back(std::to_string(states[i].first));
      args.push_back(encode(states[i].second));
    }
    // Idempotent: the same fields written again are harmless.
    if (remember_script()
            .eval(redis_, {fence.lease_key, poll::keys::projects(tenant_id)}, args,
                  redis::Idempotent::yes)
            .integer != 1) {
      return false;
    }
    if (end == states.size()) break;
  }
  return true;
}

bool State::commit(const std::string& tenant_id, const Fence& fence, const Watermarks& m) {
  return commit_script()
             .eval(redis_, {fence.lease_key, poll::keys::watermarks(tenant_id)},
                   {fence.token, std::to_string(fence.number), std::to_string(m.projects_ms),
                    std::to_string(m.invoices_ms), std::to_string(m.full_ms)},
                   redis::Idempotent::yes)
             .integer == 1;
}

bool State::holds(const Fence& fence) {
  const redis::Reply r = redis_.command({"GET", fence.lease_key});
  return r.is_string() && r.str == fence.token;
}

}  // namespace hbsync::poller
