// The error shape shared by every settings validator in this library, so the
// admin API, the console and `hbsync-ctl tenant apply` can show all problems
// of a save at once instead of one per round trip.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace hbsync::domain {

struct ValidationError {
  // Dotted path of the offending value, e.g. "stage_mapping.default.order_5";
  // a caller may prefix its own document path.
  std::string field;
  // Stable machine-readable code ("duplicate_stage", "unknown_stage", ...):
  // messages are Japanese and may be reworded, codes may not.
  std::string code;
  // Japanese text for the console; it names the ids involved so an operator
  // who does not read Japanese can still act on it.
  std::string message;

  bool operator==(const ValidationError&) const = default;
};

using ValidationErrors = std::vector<ValidationError>;

// For test failure output.
inline std::ostream& operator<<(std::ostream& os, const ValidationError& e) {
  return os << e.field << " [" << e.code << "] " << e.message;
}

}  // namespace hbsync::domain
