#include <algorithm>
#include <chrono>
#include <ctime>
#include <iostream>

#include "ctl.hpp"

namespace hbsync::ctl {

std::optional<std::string> Args::value(const std::string& name) const {
  auto it = options.find(name);
  if (it == options.end()) return std::nullopt;
  return it->second;
}

Args parse_args(std::span<const std::string> argv, const std::vector<OptionSpec>& specs) {
  Args args;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      args.help = true;
      continue;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      args.positional.push_back(arg);
      continue;
    }
    std::string name = arg;
    std::optional<std::string> inline_value;
    if (auto eq = arg.find('='); arg.starts_with("--") && eq != std::string::npos) {
      name = arg.substr(0, eq);
      inline_value = arg.substr(eq + 1);
    }
    const OptionSpec* spec = nullptr;
    for (const auto& s : specs) {
      if (s.name == name || (!s.alias.empty() && s.alias == name)) spec = &s;
    }
    if (spec == nullptr) throw UsageError("unknown option " + name);
    if (!spec->takes_value) {
      if (inline_value) throw UsageError(spec->name + " takes no value");
      args.options[spec->name] = "";
    } else if (inline_value) {
      args.options[spec->name] = *inline_value;
    } else if (i + 1 < argv.size()) {
      args.options[spec->name] = argv[++i];
    } else {
      throw UsageError(spec->name + " needs a value");
    }
  }
  return args;
}

Environment declare_environment(config::Loader& loader) {
  Environment env;
  env.redis = redis::Options::load(loader);
  // One short-lived process needs one connection.
  env.redis.pool_size = 1;
  env.keyring = tenant::Keyring::load(loader);
  env.board = board::Options::load(loader);
  return env;
}

std::string variables_help(const config::Loader& loader) {
  std::string out = "Configuration is read from these environment variables:\n";
  size_t width = 0;
  for (const auto& v : loader.variables()) width = std::max(width, v.name.size());
  for (const auto& v : loader.variables()) {
    out += "  " + v.name + std::string(width - v.name.size() + 2, ' ') + v.help +
           " [default: " + v.default_text + "]\n";
  }
  return out;
}

Environment load_environment(bool need_keys) {
  config::Loader loader("hbsync-ctl", "operator CLI");
  Environment env = declare_environment(loader);
  if (need_keys) {
    loader.finish();
    return env;
  }
  // Only the Redis variables matter here: check them alone.
  config::Loader redis_only("hbsync-ctl", "operator CLI");
  env.redis = redis::Options::load(redis_only);
  env.redis.pool_size = 1;
  redis_only.finish();
  return env;
}

KafkaEnvironment declare_kafka_environment(config::Loader& loader) {
  KafkaEnvironment env;
  env.topics = kafka::Topics::load(loader);
  kafka::ClientOptions client;
  client.client_id = "hbsync-ctl";
  try {
    client = kafka::ClientOptions::load(loader, "hbsync-ctl");
  } catch (const std::invalid_argument& e) {
    // The message names the item, never its value.
    loader.reject("HBSYNC_KAFKA_PROPERTIES", e.what());
  }
  env.producer = kafka::ProducerOptions::load(loader, client);
  env.reader = kafka::ReaderOptions::load(loader, client);
  return env;
}

DlqEnvironment load_dlq_environment() {
  config::Loader loader("hbsync-ctl", "operator CLI");
  DlqEnvironment env;
  env.redis = redis::Options::load(loader);
  env.redis.pool_size = 1;
  env.kafka = declare_kafka_environment(loader);
  loader.finish();
  return env;
}

std::string iso_utc(int64_t epoch_ms, bool with_millis) {
  if (epoch_ms <= 0) return "-";
  const std::time_t seconds = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[40];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out = text;
  if (with_millis) {
    char millis[8];
    std::snprintf(millis, sizeof millis, ".%03d", static_cast<int>(epoch_ms % 1000));
    out += millis;
  }
  return out + "Z";
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string format_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    line.erase(line.find_last_not_of(' ') + 1);  // an empty last cell leaves no trailing blanks
    out += line + "\n";
  }
  return out;
}

void only_options(const Args& args, const std::string& command,
                  std::initializer_list<const char*> allowed) {
  for (const auto& [name, value] : args.options) {
    bool ok = false;
    for (const char* a : allowed) ok = ok || name == a;
    if (!ok) throw UsageError(name + " does not apply to " + command);
  }
}

}  // namespace hbsync::ctl
