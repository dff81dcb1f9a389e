// Shared by the fuzz targets: split the input into fields, and fail loudly
// (libFuzzer records the input as a crash) when an invariant breaks.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

namespace hbsync::fuzz {

// Input bytes as text.
inline std::string_view text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Splits on the byte 0x1f (unit separator) into at most `n` fields; missing
// fields are empty.
inline std::vector<std::string_view> fields(std::string_view input, size_t n) {
  std::vector<std::string_view> out;
  while (out.size() + 1 < n) {
    const size_t cut = input.find('\x1f');
    if (cut == std::string_view::npos) break;
    out.push_back(input.substr(0, cut));
    input.remove_prefix(cut + 1);
  }
  out.push_back(input);
  out.resize(n);
  return out;
}

#define FUZZ_CHECK(cond)                                                                 \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      std::fprintf(stderr, "invariant broken: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (0)

}  // namespace hbsync::fuzz
