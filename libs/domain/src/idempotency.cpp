#include "hbsync/domain/idempotency.hpp"

namespace hbsync::domain {
namespace {

void append_escaped(std::string& out, std::string_view part) {
  for (char c : part) {
    if (c == '%') {
      out += "%25";
    } else if (c == ':') {
      out += "%3A";
    } else {
      out += c;
    }
  }
}

}  // namespace

std::string idempotency_key(const CommandIdentity& identity) {
  std::string key = "v1:";
  append_escaped(key, identity.tenant_id);
  key += ':';
  append_escaped(key, identity.kind);
  key += ':';
  key += std::to_string(identity.object_id);
  key += ':';
  append_escaped(key, identity.target);
  if (identity.revision) {
    key += ':';
    key += std::to_string(*identity.revision);
  }
  if (!identity.decision.empty()) {
    key += ":d";
    append_escaped(key, identity.decision);
  }
  return key;
}

std::string decision_digest(std::initializer_list<std::string_view> fields) {
  constexpr uint64_t kOffset = 14695981039346656037ULL;
  constexpr uint64_t kPrime = 1099511628211ULL;
  uint64_t hash = kOffset;
  auto mix = [&](std::string_view bytes) {
    for (unsigned char c : bytes) {
      hash ^= c;
      hash *= kPrime;
    }
  };
  for (std::string_view field : fields) {
    mix(std::to_string(field.size()));
    mix(":");
    mix(field);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i) {
    out[static_cast<size_t>(i)] = kHex[hash & 0xF];
    hash >>= 4;
  }
  return out;
}

}  // namespace hbsync::domain
