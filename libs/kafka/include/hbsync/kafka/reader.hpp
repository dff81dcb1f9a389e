// Reads a whole topic, or one message of it, without a consumer group: for
// operators' tools (hbsync-ctl dlq) and tests, never for the services'
// pipelines (they use Consumer, which commits).
//
// Every partition is assigned from its beginning and read up to its high
// watermark as it was when the call started, so a read ends even while
// producers keep writing. Nothing is committed: the reader joins no group
// (librdkafka wants a group id for assign(); it gets a throwaway one that
// never subscribes or commits).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hbsync/config/config.hpp"
#include "hbsync/kafka/options.hpp"

namespace hbsync::kafka {

struct ReaderOptions {
  ClientOptions client;
  // HBSYNC_KAFKA_READ_TIMEOUT, default 10s: the longest wait for any one
  // step (metadata, a partition's offsets, the next message of a partition
  // that has more). A read never hangs longer than this without progress.
  std::chrono::milliseconds timeout{10000};

  static ReaderOptions load(config::Loader& loader, ClientOptions client);
};

// A message as stored on the topic. Owns its bytes.
struct Record {
  std::string topic;
  int32_t partition = -1;
  int64_t offset = -1;
  int64_t timestamp_ms = -1;  // the message's timestamp, -1 when it has none
  std::string key;
  std::string value;
  std::vector<std::pair<std::string, std::string>> headers;

  std::optional<std::string_view> header(std::string_view name) const;
};

class ReadError : public std::runtime_error {
 public:
  enum class Kind {
    unavailable,    // no broker answered in time (connection refused, timeout)
    unknown_topic,  // the cluster does not have the topic
    failed,         // anything else (authorization, a broken configuration ...)
  };
  ReadError(Kind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

class TopicReader {
 public:
  // Throws std::runtime_error when librdkafka rejects the configuration.
  explicit TopicReader(ReaderOptions options);
  ~TopicReader();
  TopicReader(const TopicReader&) = delete;
  TopicReader& operator=(const TopicReader&) = delete;

  // Hands every message of `topic` to `each`, once, in offset order within
  // each partition (partitions interleave), up to each partition's high
  // watermark at the time of the call; returns how many. An empty topic
  // returns 0 after the offset queries, without fetching. Throws ReadError;
  // an exception from `each` stops the read and propagates.
  size_t read_all(const std::string& topic, const std::function<void(const Record&)>& each);

  // The message at partition/offset, or nullopt when there is none (no such
  // partition, an offset outside the partition's current range, or a
  // transaction marker). Throws ReadError.
  std::optional<Record> read_at(const std::string& topic, int32_t partition, int64_t offset);

  // Number of partitions of `topic`. Throws ReadError.
  int32_t partition_count(const std::string& topic);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace hbsync::kafka
