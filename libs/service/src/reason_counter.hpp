// A Prometheus counter of messages by topic and reason code, registered once
// on the process registry. Both labels are bounded: topics are configuration,
// reason codes are code constants, never request data.
#pragma once

#include <prometheus/counter.h>

#include <string_view>

namespace hbsync::service {

class ReasonCounter {
 public:
  ReasonCounter(std::string_view name, std::string_view help);
  void count(std::string_view topic, std::string_view reason_code);

 private:
  prometheus::Family<prometheus::Counter>& family_;
};

}  // namespace hbsync::service
