// Structured JSON-lines logging shared by every binary.
//
// One line per event: time, level, service, tenant, correlation id, message
// and fields. Tenant and correlation id come from a thread-local Scope so the
// code that handles a message or request sets them once. Never log personal
// data (names, addresses, amounts) or secrets: fields whose key looks like a
// credential are redacted as a last line of defence.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <ostream>
#include <string>
#include <string_view>
#include <variant>

namespace hbsync::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3 };

struct Field {
  using Value = std::variant<std::string_view, int64_t, uint64_t, double, bool>;
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const std::string& v) : key(k), value(std::string_view(v)) {}
  Field(std::string_view k, const char* v) : key(k), value(std::string_view(v)) {}
  Field(std::string_view k, int v) : key(k), value(int64_t{v}) {}
  Field(std::string_view k, long v) : key(k), value(int64_t{v}) {}
  Field(std::string_view k, long long v) : key(k), value(int64_t{v}) {}
  Field(std::string_view k, unsigned v) : key(k), value(uint64_t{v}) {}
  Field(std::string_view k, unsigned long v) : key(k), value(uint64_t{v}) {}
  Field(std::string_view k, unsigned long long v) : key(k), value(uint64_t{v}) {}
  Field(std::string_view k, double v) : key(k), value(v) {}
  Field(std::string_view k, bool v) : key(k), value(v) {}
  std::string_view key;
  Value value;
};
using Fields = std::initializer_list<Field>;

// Sets the service name, the minimum level and where lines go (stderr by
// default). Call once at startup; safe to call again in tests.
void init(std::string service, Level min_level, std::ostream* out = nullptr);
bool parse_level(std::string_view text, Level& level);
Level min_level();

void write(Level level, std::string_view message, Fields fields = {});
inline void debug(std::string_view m, Fields f = {}) {
  write(Level::debug, m, f);
}
inline void info(std::string_view m, Fields f = {}) {
  write(Level::info, m, f);
}
inline void warn(std::string_view m, Fields f = {}) {
  write(Level::warn, m, f);
}
inline void error(std::string_view m, Fields f = {}) {
  write(Level::error, m, f);
}

// Formats one line without writing it (used by write and by tests).
std::string format_line(Level level, std::string_view message, Fields fields);

// Tenant and correlation id for every line written on this thread while the
// scope lives. Scopes nest; the previous values come back on destruction.
class Scope {
 public:
  Scope(std::string tenant, std::string correlation_id);
  ~Scope();
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

 private:
  std::string saved_tenant_;
  std::string saved_correlation_id_;
};

const std::string& current_tenant();
const std::string& current_correlation_id();

// A random 128-bit id in hex, for requests and messages that arrive without one.
std::string new_correlation_id();

// True for keys that name credentials (token, secret, password, authorization,
// api_key, cookie ...): their values are written as "[redacted]".
bool is_secret_key(std::string_view key);

}  // namespace hbsync::log
