#include "reason_counter.hpp"

#include <string>

#include "hbsync/metrics/metrics.hpp"

namespace hbsync::service {

ReasonCounter::ReasonCounter(std::string_view name, std::string_view help)
    : family_(prometheus::BuildCounter()
                  .Name(std::string(name))
                  .Help(std::string(help))
                  .Register(metrics::registry())) {}

void ReasonCounter::count(std::string_view topic, std::string_view reason_code) {
  family_.Add({{"topic", std::string(topic)}, {"reason_code", std::string(reason_code)}})
      .Increment();
}

}  // namespace hbsync::service
