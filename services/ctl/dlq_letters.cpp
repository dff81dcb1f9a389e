// hbsync-ctl dlq: reading dead letters. Reads sync.dlq whole without a
// consumer group (kafka::TopicReader), so listing never moves any offset;
// the replay state of each comes from Redis (kReplayedKey).
#include <algorithm>
#include <map>

#include "dlq.hpp"
#include "hbsync/service/dlq_replay.hpp"
#include "hbsync/tenant/settings.hpp"

namespace hbsync::ctl::dlq {
namespace {

Letter to_letter(const kafka::Record& r) {
  Letter l;
  l.at = {r.partition, r.offset};
  l.dlq_timestamp_ms = r.timestamp_ms;
  auto schema = r.header(kSchemaHeader);
  l.parsed = (!schema || *schema == kDeadLetterSchema) && l.dl.ParseFromString(r.value);
  return l;
}

std::map<std::string, int64_t> replayed_all(redis::Client& redis) {
  std::map<std::string, int64_t> out;
  const redis::Reply reply = redis.command({"HGETALL", kReplayedKey});
  for (size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
    try {
      out[reply.elements[i].str] = std::stoll(reply.elements[i + 1].str);
    } catch (const std::exception&) {
      out[reply.elements[i].str] = 0;  // replayed, time unknown
    }
  }
  return out;
}

}  // namespace

Position parse_id(const std::string& text) {
  const auto bad = [&] {
    return UsageError("\"" + text +
                      "\" is not a dead letter id (<partition>:<offset>, as dlq list shows)");
  };
  const size_t colon = text.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) throw bad();
  const std::string p = text.substr(0, colon), o = text.substr(colon + 1);
  const auto digits = [](const std::string& s) {
    return s.size() <= 18 &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (!digits(p) || !digits(o) || p.size() > 9) throw bad();
  return {static_cast<int32_t>(std::stol(p)), std::stoll(o)};
}

std::vector<Letter> read_letters(kafka::TopicReader& reader, const std::string& topic,
                                 redis::Client& redis) {
  std::vector<Letter> letters;
  reader.read_all(topic, [&](const kafka::Record& r) { letters.push_back(to_letter(r)); });
  const auto replayed = replayed_all(redis);
  for (auto& l : letters) {
    auto it = replayed.find(l.at.id());
    if (it != replayed.end()) l.replayed_at_ms = it->second;
  }
  std::sort(letters.begin(), letters.end(), [](const Letter& a, const Letter& b) {
    if (a.sort_time() != b.sort_time()) return a.sort_time() < b.sort_time();
    return a.at < b.at;
  });
  return letters;
}

std::optional<Letter> read_letter(kafka::TopicReader& reader, const std::string& topic,
                                  redis::Client& redis, const Position& at) {
  auto record = reader.read_at(topic, at.partition, at.offset);
  if (!record) return std::nullopt;
  Letter l = to_letter(*record);
  l.replayed_at_ms = service::dlq::replayed_at(redis, at.id());
  return l;
}

std::optional<std::string> tenant_option(const Args& args) {
  auto tenant = args.value("--tenant");
  if (tenant && !tenant::is_valid_tenant_id(*tenant)) {
    throw UsageError("--tenant \"" + *tenant +
                     "\" is not a tenant id (a HubSpot portal id: digits, no leading zero)");
  }
  return tenant;
}

}  // namespace hbsync::ctl::dlq
