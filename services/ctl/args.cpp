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

}  // namespace hbsync::ctl
