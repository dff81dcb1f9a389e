#include "hbsync/config/config.hpp"

#include <charconv>
#include <cstdlib>
#include <iostream>
#include <sstream>

namespace hbsync::config {

EnvLookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

EnvLookup env_from(std::map<std::string, std::string> values) {
  return [values = std::move(values)](const std::string& name) -> std::optional<std::string> {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<int64_t> parse_int(std::string_view text) {
  text = trim(text);
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  text = trim(text);
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0) return std::nullopt;
  auto number = parse_int(text.substr(0, digits));
  if (!number) return std::nullopt;
  std::string_view unit = text.substr(digits);
  int64_t factor = 0;
  if (unit.empty() || unit == "ms") {
    factor = 1;
  } else if (unit == "s") {
    factor = 1000;
  } else if (unit == "m") {
    factor = 60 * 1000;
  } else if (unit == "h") {
    factor = 3600 * 1000;
  } else if (unit == "d") {
    factor = 24 * 3600 * 1000;
  } else {
    return std::nullopt;
  }
  return std::chrono::milliseconds(*number * factor);
}

std::optional<bool> parse_bool(std::string_view text) {
  text = trim(text);
  if (text == "1" || text == "true" || text == "yes" || text == "on") return true;
  if (text == "0" || text == "false" || text == "no" || text == "off") return false;
  return std::nullopt;
}

Loader::Loader(std::string program, std::string summary, int argc, char** argv, EnvLookup env)
    : program_(std::move(program)), summary_(std::move(summary)), env_(std::move(env)) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      help_requested_ = true;
    } else {
      unknown_args_.emplace_back(arg);
    }
  }
}

std::optional<std::string> Loader::raw(const std::string& name, const std::string& default_text,
                                       const std::string& help) {
  variables_.push_back({name, default_text, help});
  return env_(name);
}

void Loader::fail(const std::string& name, const std::string& message) {
  errors_.push_back(name + ": " + message);
}

std::string Loader::str(const std::string& name, const std::string& default_value,
                        const std::string& help) {
  auto value = raw(name, default_value.empty() ? "(empty)" : default_value, help);
  return value ? *value : default_value;
}

std::string Loader::required_str(const std::string& name, const std::string& help) {
  auto value = raw(name, "(required)", help);
  if (!value || trim(*value).empty()) {
    fail(name, "is required but not set");
    return {};
  }
  return *value;
}

std::string Loader::secret(const std::string& name, const std::string& default_value,
                           const std::string& help) {
  auto value = raw(name, "(secret)", help);
  return value ? *value : default_value;
}

int64_t Loader::integer(const std::string& name, int64_t default_value, const std::string& help,
                        int64_t min, int64_t max) {
  auto value = raw(name, std::to_string(default_value), help);
  if (!value) return default_value;
  auto parsed = parse_int(*value);
  if (!parsed) {
    fail(name, "must be a whole number, got \"" + *value + "\"");
    return default_value;
  }
  if (*parsed < min || *parsed > max) {
    std::ostringstream msg;
    msg << "must be between " << min << " and " << max << ", got " << *parsed;
    fail(name, msg.str());
    return default_value;
  }
  return *parsed;
}

uint16_t Loader::port(const std::string& name, uint16_t default_value, const std::string& help) {
  return static_cast<uint16_t>(integer(name, default_value, help, 0, 65535));
}

bool Loader::boolean(const std::string& name, bool default_value, const std::string& help) {
  auto value = raw(name, default_value ? "true" : "false", help);
  if (!value) return default_value;
  auto parsed = parse_bool(*value);
  if (!parsed) {
    fail(name, "must be true or false (also 1/0, yes/no, on/off), got \"" + *value + "\"");
    return default_value;
  }
  return *parsed;
}

std::chrono::milliseconds Loader::duration(const std::string& name,
                                           const std::string& default_value,
                                           const std::string& help) {
  auto fallback = parse_duration(default_value).value_or(std::chrono::milliseconds(0));
  auto value = raw(name, default_value, help);
  if (!value) return fallback;
  auto parsed = parse_duration(*value);
  if (!parsed) {
    fail(name, "must be a duration such as 250ms, 5s, 2m or 1h, got \"" + *value + "\"");
    return fallback;
  }
  return *parsed;
}

std::string Loader::choice(const std::string& name, const std::string& default_value,
                           const std::vector<std::string>& allowed, const std::string& help) {
  std::string options;
  for (const auto& a : allowed) options += (options.empty() ? "" : ", ") + a;
  auto value = raw(name, default_value, help + " (one of: " + options + ")");
  if (!value) return default_value;
  for (const auto& a : allowed) {
    if (*value == a) return *value;
  }
  fail(name, "must be one of " + options + ", got \"" + *value + "\"");
  return default_value;
}

std::vector<std::string> Loader::list(const std::string& name, const std::string& default_value,
                                      const std::string& help) {
  auto value = raw(name, default_value.empty() ? "(empty)" : default_value, help);
  std::string_view text = value ? *value : default_value;
  std::vector<std::string> items;
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string_view item = trim(text.substr(0, comma));
    if (!item.empty()) items.emplace_back(item);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return items;
}

std::string Loader::help_text() const {
  std::ostringstream out;
  out << program_ << ": " << summary_ << "\n\n";
  out << "Usage: " << program_ << " [--help]\n\n";
  out << "Configuration is read from these environment variables:\n";
  size_t width = 0;
  for (const auto& v : variables_) width = std::max(width, v.name.size());
  for (const auto& v : variables_) {
    out << "  " << v.name << std::string(width - v.name.size() + 2, ' ') << v.help
        << " [default: " << v.default_text << "]\n";
  }
  return out.str();
}

void Loader::finish() const {
  if (help_requested_) {
    std::cout << help_text();
    std::exit(0);
  }
  std::vector<std::string> problems = errors_;
  for (const auto& arg : unknown_args_) problems.push_back("unknown argument \"" + arg + "\"");
  if (!problems.empty()) {
    std::cerr << program_ << ": configuration error:\n";
    for (const auto& e : problems) std::cerr << "  " << e << "\n";
    std::cerr << "Run " << program_ << " --help for the list of variables.\n";
    std::exit(2);
  }
}

}  // namespace hbsync::config
