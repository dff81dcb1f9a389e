// Typed configuration from HBSYNC_* environment variables.
//
// Every binary declares the variables it reads through one Loader. The loader
// remembers each declaration so `--help` can list them with their defaults,
// and collects every bad or missing value so the program stops once, naming
// each variable that is wrong.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hbsync::config {

// Looks a variable up; the default reads the process environment.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
EnvLookup process_env();
// An environment of fixed values (tests, tools): only `values` are set.
EnvLookup env_from(std::map<std::string, std::string> values);

struct Variable {
  std::string name;
  std::string default_text;  // as shown by --help; "(required)" or "(secret)" where fitting
  std::string help;
};

class Loader {
 public:
  // `program` is the binary name (hbsync-ingress), `summary` one line on what it does.
  Loader(std::string program, std::string summary, int argc = 0, char** argv = nullptr,
         EnvLookup env = process_env());

  std::string str(const std::string& name, const std::string& default_value,
                  const std::string& help);
  // A value that must be set; an empty value counts as missing.
  std::string required_str(const std::string& name, const std::string& help);
  // Like str, but the value is never printed (not even its default).
  std::string secret(const std::string& name, const std::string& default_value,
                     const std::string& help);
  int64_t integer(const std::string& name, int64_t default_value, const std::string& help,
                  int64_t min = INT64_MIN, int64_t max = INT64_MAX);
  uint16_t port(const std::string& name, uint16_t default_value, const std::string& help);
  bool boolean(const std::string& name, bool default_value, const std::string& help);
  // Durations are written as a number and a unit: 250ms, 5s, 2m, 1h (a bare number is ms).
  std::chrono::milliseconds duration(const std::string& name, const std::string& default_value,
                                     const std::string& help);
  // One of `allowed` (compared exactly).
  std::string choice(const std::string& name, const std::string& default_value,
                     const std::vector<std::string>& allowed, const std::string& help);
  // Comma-separated list, items trimmed, empty items dropped.
  std::vector<std::string> list(const std::string& name, const std::string& default_value,
                                const std::string& help);

  // Records a problem found by the caller's own check of a declared value
  // (e.g. a URL's shape); reported by finish() with the others.
  void reject(const std::string& name, const std::string& message) { fail(name, message); }

  // True when the command line asked for --help / -h.
  bool help_requested() const { return help_requested_; }
  const std::vector<Variable>& variables() const { return variables_; }
  const std::vector<std::string>& errors() const { return errors_; }
  std::string help_text() const;

  // Call after every declaration: prints the help and exits 0 when asked for
  // it; prints every error and exits 2 when any value was bad or missing.
  void finish() const;

 private:
  std::optional<std::string> raw(const std::string& name, const std::string& default_text,
                                 const std::string& help);
  void fail(const std::string& name, const std::string& message);

  std::string program_;
  std::string summary_;
  EnvLookup env_;
  bool help_requested_ = false;
  std::vector<std::string> unknown_args_;
  std::vector<Variable> variables_;
  std::vector<std::string> errors_;
};

// Parses "250ms", "5s", "2m", "1h", "1d" or a bare number of milliseconds.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);
std::optional<bool> parse_bool(std::string_view text);

}  // namespace hbsync::config
