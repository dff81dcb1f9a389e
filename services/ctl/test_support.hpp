// Test support for the hbsync-ctl suites: runs the real binary the way an
// operator does, with exactly the given environment, and captures what it
// prints.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace hbsync::ctl::test {

struct Result {
  int code = -1;
  std::string out;
  std::string err;
};

std::string slurp(const std::filesystem::path& path);

// Runs bin_path("hbsync-ctl") with `args`, `env` as its whole environment
// (so the developer's own HBSYNC_* variables cannot leak in) and
// `stdin_text` on stdin; `dir` holds the temporary stdin/stdout/stderr files.
Result run_ctl(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
               const std::filesystem::path& dir, const std::string& stdin_text = {});

}  // namespace hbsync::ctl::test
