// Kafka quiescence signals for tests: to show that nothing more will come
// out of a consumer, wait until its group has committed everything
// (group_lag() == 0) instead of sleeping "a little longer".
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace hbsync::testing {

// Messages of `topic` (all partitions) not yet committed by `group`: the
// high watermark minus the committed offset (the low watermark where the
// group has committed nothing). nullopt when Kafka did not answer.
std::optional<int64_t> group_lag(const std::string& bootstrap, const std::string& group,
                                 const std::string& topic);

}  // namespace hbsync::testing
