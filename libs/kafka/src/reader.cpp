#include "hbsync/kafka/reader.hpp"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <map>
#include <random>
#include <thread>

#include "client.hpp"

namespace hbsync::kafka {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

ReaderOptions ReaderOptions::load(config::Loader& loader, ClientOptions client) {
  ReaderOptions o;
  o.client = std::move(client);
  o.timeout = loader.duration(
      "HBSYNC_KAFKA_READ_TIMEOUT", "10s",
      "Longest wait for Kafka while reading a topic (metadata, offsets, the next message)");
  return o;
}

std::optional<std::string_view> Record::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return std::string_view(v);
  }
  return std::nullopt;
}

namespace {

std::string throwaway_group_id() {
  std::random_device random;
  std::uniform_int_distribution<uint64_t> bits;
  static const char* hex = "0123456789abcdef";
  uint64_t value = bits(random);
  std::string id = "hbsync-reader-";
  for (int i = 0; i < 16; ++i, value >>= 4) id += hex[value & 0xf];
  return id;
}

ReadError::Kind kind_of(rd_kafka_resp_err_t err) {
  switch (err) {
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__RESOLVE:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
    case RD_KAFKA_RESP_ERR_BROKER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR__WAIT_COORD:
      return ReadError::Kind::unavailable;
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
      return ReadError::Kind::unknown_topic;
    default:
      return ReadError::Kind::failed;
  }
}

// Transient trouble a consume loop waits out (until its progress deadline).
bool transient(rd_kafka_resp_err_t err) {
  return kind_of(err) == ReadError::Kind::unavailable || err == RD_KAFKA_RESP_ERR__PARTITION_EOF;
}

[[noreturn]] void fail(rd_kafka_resp_err_t err, const std::string& what) {
  throw ReadError(kind_of(err), "kafka: " + what + ": " + rd_kafka_err2str(err));
}

struct MessageDeleter {
  void operator()(rd_kafka_message_t* m) const { rd_kafka_message_destroy(m); }
};
using MessagePtr = std::unique_ptr<rd_kafka_message_t, MessageDeleter>;

Record to_record(const rd_kafka_message_t* m) {
  Record r;
  r.topic = rd_kafka_topic_name(m->rkt);
  r.partition = m->partition;
  r.offset = m->offset;
  r.timestamp_ms = rd_kafka_message_timestamp(m, nullptr);
  if (m->key != nullptr) r.key.assign(static_cast<const char*>(m->key), m->key_len);
  if (m->payload != nullptr) r.value.assign(static_cast<const char*>(m->payload), m->len);
  for (const auto& [name, value] : detail::headers_of(m)) {
    r.headers.emplace_back(std::string(name), std::string(value));
  }
  return r;
}

}  // namespace

struct TopicReader::Impl {
  ReaderOptions options;
  rd_kafka_t* rk = nullptr;

  int timeout_ms() const { return static_cast<int>(std::max<int64_t>(1, options.timeout.count())); }

  int32_t partitions(const std::string& topic) {
    // Metadata of all topics, not of this one: a request naming a topic
    // that does not exist may create it (brokers with auto-create, and the
    // dev broker always).
    const auto deadline = Clock::now() + options.timeout;
    while (true) {
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
      const rd_kafka_metadata_t* md = nullptr;
      rd_kafka_resp_err_t err = rd_kafka_metadata(
          rk, 1, nullptr, &md, static_cast<int>(std::max<int64_t>(1, left.count())));
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR) fail(err, "metadata of " + topic);
      rd_kafka_resp_err_t topic_err = RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
      int32_t count = 0;
      for (int i = 0; i < md->topic_cnt; ++i) {
        if (topic == md->topics[i].topic) {
          topic_err = md->topics[i].err;
          count = md->topics[i].partition_cnt;
        }
      }
      rd_kafka_metadata_destroy(md);
      if (topic_err == RD_KAFKA_RESP_ERR_NO_ERROR && count > 0) return count;
      // Leaders still being elected: ask again until the deadline.
      if (kind_of(topic_err) != ReadError::Kind::unavailable || Clock::now() >= deadline) {
        fail(topic_err, "topic " + topic);
      }
      std::this_thread::sleep_for(milliseconds(100));
    }
  }

  // [low, high) of one partition: the offsets it holds right now.
  std::pair<int64_t, int64_t> watermarks(const std::string& topic, int32_t partition) {
    int64_t low = 0, high = 0;
    rd_kafka_resp_err_t err =
        rd_kafka_query_watermark_offsets(rk, topic.c_str(), partition, &low, &high, timeout_ms());
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      fail(err, "offsets of " + topic + " partition " + std::to_string(partition));
    }
    return {low, high};
  }

  void assign(const std::string& topic, const std::vector<std::pair<int32_t, int64_t>>& starts) {
    rd_kafka_topic_partition_list_t* list =
        rd_kafka_topic_partition_list_new(static_cast<int>(starts.size()));
    for (const auto& [partition, offset] : starts) {
      rd_kafka_topic_partition_list_add(list, topic.c_str(), partition)->offset = offset;
    }
    rd_kafka_resp_err_t err = rd_kafka_assign(rk, list);
    rd_kafka_topic_partition_list_destroy(list);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) fail(err, "assign " + topic);
  }

  void unassign() noexcept { rd_kafka_assign(rk, nullptr); }

  // Polls until `handle` says every partition is finished. `handle` gets
  // each message or per-partition event and returns true when it made
  // progress; `timeout` without progress is a ReadError(unavailable).
  template <typename Handle, typename Finished>
  void consume(const std::string& topic, Handle&& handle, Finished&& finished) {
    auto deadline = Clock::now() + options.timeout;
    rd_kafka_resp_err_t last_error = RD_KAFKA_RESP_ERR__TIMED_OUT;
    while (!finished()) {
      const auto now = Clock::now();
      if (now >= deadline) fail(last_error, "reading " + topic + " made no progress");
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - now).count();
      MessagePtr m(rd_kafka_consumer_poll(rk, static_cast<int>(std::min<int64_t>(100, left))));
      if (!m) continue;
      if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR && !transient(m->err)) {
        fail(m->err, "reading " + topic);
      }
      if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR && m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        last_error = m->err;
        continue;
      }
      if (m->rkt == nullptr || topic != rd_kafka_topic_name(m->rkt)) continue;
      if (handle(*m)) deadline = Clock::now() + options.timeout;
    }
  }
};

TopicReader::TopicReader(ReaderOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  detail::Properties defaults = {
      {"reconnect.backoff.max.ms", "1000"},
      // Where an offset is gone (retention), start at what is left.
      {"auto.offset.reset", "earliest"},
      {"queued.max.messages.kbytes", "16384"},
  };
  detail::Properties enforced = {
      // assign() needs a group id; this one never subscribes or commits.
      {"group.id", throwaway_group_id()},
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      // A partition whose end comes before its watermark (transaction
      // markers) is finished by its EOF event.
      {"enable.partition.eof", "true"},
      // Reading a topic must not create it.
      {"allow.auto.create.topics", "false"},
  };
  rd_kafka_conf_t* conf = detail::make_conf(impl_->options.client, defaults, enforced);
  impl_->rk = detail::make_handle(RD_KAFKA_CONSUMER, conf);
  rd_kafka_poll_set_consumer(impl_->rk);
}

TopicReader::~TopicReader() {
  // Nothing to commit and no group joined, so no consumer close.
  rd_kafka_destroy_flags(impl_->rk, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
}

int32_t TopicReader::partition_count(const std::string& topic) {
  return impl_->partitions(topic);
}

size_t TopicReader::read_all(const std::string& topic,
                             const std::function<void(const Record&)>& each) {
  auto& impl = *impl_;
  const int32_t count = impl.partitions(topic);
  struct Range {
    int64_t high = 0;
    int64_t next = 0;  // the lowest offset not handed out yet
    bool done = false;
  };
  std::map<int32_t, Range> ranges;
  std::vector<std::pair<int32_t, int64_t>> starts;
  for (int32_t p = 0; p < count; ++p) {
    auto [low, high] = impl.watermarks(topic, p);
    if (high <= low) continue;
    ranges[p] = {high, low, false};
    starts.emplace_back(p, RD_KAFKA_OFFSET_BEGINNING);
  }
  if (starts.empty()) return 0;

  size_t open = ranges.size();
  size_t handed = 0;
  impl.assign(topic, starts);
  struct Unassign {
    Impl& impl;
    ~Unassign() { impl.unassign(); }
  } unassign{impl};
  impl.consume(
      topic,
      [&](const rd_kafka_message_t& m) {
        auto it = ranges.find(m.partition);
        if (it == ranges.end() || it->second.done) return false;
        Range& range = it->second;
        const bool eof = m.err == RD_KAFKA_RESP_ERR__PARTITION_EOF;
        // Anything at or past the watermark was written after the call.
        if (!eof && m.offset >= range.next && m.offset < range.high) {
          each(to_record(&m));
          ++handed;
          range.next = m.offset + 1;
        }
        if (eof || m.offset + 1 >= range.high) {
          range.done = true;
          --open;
        }
        return true;
      },
      [&] { return open == 0; });
  return handed;
}

std::optional<Record> TopicReader::read_at(const std::string& topic, int32_t partition,
                                           int64_t offset) {
  auto& impl = *impl_;
  if (partition < 0 || offset < 0 || partition >= impl.partitions(topic)) return std::nullopt;
  auto [low, high] = impl.watermarks(topic, partition);
  if (offset < low || offset >= high) return std::nullopt;

  std::optional<Record> found;
  bool finished = false;
  impl.assign(topic, {{partition, offset}});
  struct Unassign {
    Impl& impl;
    ~Unassign() { impl.unassign(); }
  } unassign{impl};
  impl.consume(
      topic,
      [&](const rd_kafka_message_t& m) {
        if (m.partition != partition) return false;
        if (m.err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
          finished = true;
        } else if (m.offset == offset) {
          found = to_record(&m);
          finished = true;
        } else if (m.offset > offset) {
          finished = true;  // a gap: a transaction marker or a compacted-away message
        }
        return true;
      },
      [&] { return finished; });
  return found;
}

}  // namespace hbsync::kafka
