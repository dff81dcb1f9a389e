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
  return key;
}

}  // namespace hbsync::domain
