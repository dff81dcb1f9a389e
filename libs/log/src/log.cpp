#include "hbsync/log/log.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <mutex>
#include <random>

namespace hbsync::log {
namespace {

struct State {
  std::mutex mutex;
  std::string service = "hbsync";
  Level min_level = Level::info;
  std::ostream* out = nullptr;  // nullptr: stderr through stdio, unbuffered line writes
};

State& state() {
  static State s;
  return s;
}

thread_local std::string tl_tenant;
thread_local std::string tl_correlation_id;

const char* level_name(Level level) {
  switch (level) {
    case Level::debug:
      return "debug";
    case Level::info:
      return "info";
    case Level::warn:
      return "warn";
    case Level::error:
      return "error";
  }
  return "info";
}

void timestamp(char* buf, size_t size) {
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::system_clock::to_time_t(now);
  auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  // strftime for the date (no -Wformat-truncation guess on int widths), then
  // the milliseconds, which are always three digits.
  const size_t n = std::strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
  if (n > 0 && n < size) {
    std::snprintf(buf + n, size - n, ".%03uZ", static_cast<unsigned>(millis) % 1000u);
  }
}

}  // namespace

void init(std::string service, Level min_level, std::ostream* out) {
  auto& s = state();
  std::lock_guard lock(s.mutex);
  s.service = std::move(service);
  s.min_level = min_level;
  s.out = out;
}

Level min_level() {
  return state().min_level;
}

bool parse_level(std::string_view text, Level& level) {
  if (text == "debug") {
    level = Level::debug;
  } else if (text == "info") {
    level = Level::info;
  } else if (text == "warn" || text == "warning") {
    level = Level::warn;
  } else if (text == "error") {
    level = Level::error;
  } else {
    return false;
  }
  return true;
}

bool is_secret_key(std::string_view key) {
  std::string lower(key);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const char* word : {"token", "secret", "password", "authorization", "api_key", "apikey",
                           "cookie", "credential", "signature"}) {
    if (lower.find(word) != std::string::npos) return true;
  }
  return false;
}

std::string format_line(Level level, std::string_view message, Fields fields) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  char ts[40];
  timestamp(ts, sizeof ts);
  auto str = [&w](std::string_view s) {
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  };
  w.StartObject();
  w.Key("ts");
  w.String(ts);
  w.Key("level");
  w.String(level_name(level));
  w.Key("service");
  str(state().service);
  if (!tl_tenant.empty()) {
    w.Key("tenant");
    str(tl_tenant);
  }
  if (!tl_correlation_id.empty()) {
    w.Key("correlation_id");
    str(tl_correlation_id);
  }
  w.Key("msg");
  str(message);
  for (const auto& f : fields) {
    str(f.key);
    if (is_secret_key(f.key)) {
      w.String("[redacted]");
      continue;
    }
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::string_view>) {
            str(v);
          } else if constexpr (std::is_same_v<T, int64_t>) {
            w.Int64(v);
          } else if constexpr (std::is_same_v<T, uint64_t>) {
            w.Uint64(v);
          } else if constexpr (std::is_same_v<T, double>) {
            w.Double(v);
          } else {
            w.Bool(v);
          }
        },
        f.value);
  }
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

void write(Level level, std::string_view message, Fields fields) {
  auto& s = state();
  if (level < s.min_level) return;
  std::string line = format_line(level, message, fields);
  line.push_back('\n');
  std::lock_guard lock(s.mutex);
  if (s.out != nullptr) {
    *s.out << line;
    s.out->flush();
  } else {
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fflush(stderr);
  }
}

Scope::Scope(std::string tenant, std::string correlation_id)
    : saved_tenant_(std::move(tl_tenant)), saved_correlation_id_(std::move(tl_correlation_id)) {
  tl_tenant = std::move(tenant);
  tl_correlation_id = std::move(correlation_id);
}

Scope::~Scope() {
  tl_tenant = std::move(saved_tenant_);
  tl_correlation_id = std::move(saved_correlation_id_);
}

const std::string& current_tenant() {
  return tl_tenant;
}
const std::string& current_correlation_id() {
  return tl_correlation_id;
}

std::string new_correlation_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static const char* hex = "0123456789abcdef";
  std::string id(32, '0');
  uint64_t a = rng(), b = rng();
  for (int i = 0; i < 16; ++i) {
    id[i] = hex[(a >> (i * 4)) & 0xF];
    id[16 + i] = hex[(b >> (i * 4)) & 0xF];
  }
  return id;
}

}  // namespace hbsync::log
