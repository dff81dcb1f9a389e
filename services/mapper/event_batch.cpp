#include "event_batch.hpp"

#include "hbsync/service/dlq_keys.hpp"
#include "hbsync/service/hubspot_events.hpp"
#include "hbsync/v1/events.pb.h"

namespace hbsync::mapper {
namespace {

// Messages held with progress are at most one per partition; more means
// entries of partitions revoked mid-message (started over by their next
// owner): forgotten.
constexpr size_t kMaxRemembered = 4096;

// The message of event `event` of `batch`: its own key and payload, the
// batch's headers with the single-event schema, the batch's position.
struct Single {
  std::string key;
  std::string value;
  kafka::Message message;
};

void make_single(const kafka::Message& batch, const v1::HubSpotEvent& event, Single& out) {
  out.key = service::event_key(event);
  out.value = event.SerializeAsString();
  out.message = kafka::Message{};
  auto& m = out.message;
  m.topic = batch.topic;
  m.key = out.key;
  m.value = out.value;
  m.partition = batch.partition;
  m.offset = batch.offset;
  m.timestamp_ms = batch.timestamp_ms;
  m.correlation_id = batch.correlation_id;
  for (const auto& header : batch.headers) {
    if (header.first != service::dlq::kSchemaHeader) m.headers.push_back(header);
  }
  m.headers.emplace_back(service::dlq::kSchemaHeader, service::kHubSpotEventSchema);
}

}  // namespace

BatchHandler::BatchHandler(Handle single, Handle unreadable)
    : single_(std::move(single)), unreadable_(std::move(unreadable)) {}

kafka::HandlerResult BatchHandler::handle(const kafka::Message& batch) {
  v1::HubSpotEventBatch events;
  if (!events.ParseFromArray(batch.value.data(), static_cast<int>(batch.value.size()))) {
    return unreadable_(batch);
  }
  const Position at{std::string(batch.topic), batch.partition, batch.offset};
  const size_t start = start_of(at);
  Single single;
  for (size_t i = start; i < static_cast<size_t>(events.events_size()); ++i) {
    make_single(batch, events.events(static_cast<int>(i)), single);
    // The event at hand carries the batch's attempt and budget; a later one
    // is on its first attempt here.
    single.message.attempt = i == start ? batch.attempt : 1;
    single.message.retries_exhausted = i == start && batch.retries_exhausted;
    single.message.part = static_cast<int32_t>(i);
    if (single_(single.message) != kafka::HandlerResult::done) {
      if (i == start) return kafka::HandlerResult::retry;
      remember(at, i);
      return kafka::HandlerResult::progressed;
    }
  }
  if (start > 0) remember(at, 0);
  return kafka::HandlerResult::done;
}

size_t BatchHandler::in_progress() const {
  std::lock_guard lock(mutex_);
  return next_.size();
}

size_t BatchHandler::start_of(const Position& at) const {
  std::lock_guard lock(mutex_);
  auto it = next_.find(at);
  return it != next_.end() ? it->second : 0;
}

// `next` 0: the message is done, nothing to remember.
void BatchHandler::remember(const Position& at, size_t next) {
  std::lock_guard lock(mutex_);
  if (next == 0) {
    next_.erase(at);
    return;
  }
  if (next_.size() >= kMaxRemembered && !next_.count(at)) next_.clear();
  next_[at] = next;
}

}  // namespace hbsync::mapper
