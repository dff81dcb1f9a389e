// Reading one sample out of a Prometheus text exposition (metrics::serialize()
// or a scraped /metrics), for tests that check what a metric counted.
#pragma once

#include <optional>
#include <sstream>
#include <string>
#include <string_view>

namespace hbsync::testing {

// The value of the sample written exactly as `series` (name and labels as
// the serializer prints them: labels in alphabetical order, e.g.
// `hbsync_x_total{code="429",tenant="7"}`); nullopt when there is none.
inline std::optional<double> sample(const std::string& text, std::string_view series) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
        line[series.size()] == ' ') {
      return std::stod(line.substr(series.size() + 1));
    }
  }
  return std::nullopt;
}

// sample(), 0 when absent: a counter that was never incremented.
inline double sample_or_zero(const std::string& text, std::string_view series) {
  return sample(text, series).value_or(0.0);
}

}  // namespace hbsync::testing
