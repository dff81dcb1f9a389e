// TopicReader against a dev broker: a whole topic over several partitions
// read back exactly once and again (nothing committed), the watermark
// snapshot, single messages by position, an empty topic, a missing topic and
// a missing broker.
#include "hbsync/kafka/reader.hpp"

#include <gtest/gtest.h>

#include <future>
#include <map>
#include <set>

#include "hbsync/kafka/producer.hpp"
#include "hbsync/testing/process.hpp"
#include "test_support.hpp"

namespace hbsync::kafka {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

ReaderOptions reader_options(const testing::DevBroker& broker,
                             std::chrono::milliseconds timeout = 10s) {
  ReaderOptions o;
  o.client = test::client_options(broker, "test-reader");
  o.timeout = timeout;
  return o;
}

void produce(Producer& producer, const std::string& topic, int from, int count) {
  std::vector<OutgoingMessage> batch;
  for (int i = from; i < from + count; ++i) {
    OutgoingMessage m;
    m.topic = topic;
    m.key = "key-" + std::to_string(i % 17);
    m.value = "value-" + std::to_string(i);
    m.headers = {{"x-n", std::to_string(i)}};
    m.correlation_id = "corr-" + std::to_string(i);
    batch.push_back(std::move(m));
  }
  std::promise<BatchResult> reported;
  producer.produce_batch(std::move(batch), [&](const BatchResult& r) { reported.set_value(r); });
  BatchResult result = reported.get_future().get();
  ASSERT_TRUE(result.ok) << result.first_error;
}

TEST(TopicReaderTest, ReadsEveryMessageOfEveryPartitionOnceAndAgain) {
  testing::DevBroker broker(3, 4);
  const std::string topic = "sync.dlq";
  Producer producer(test::producer_options(broker, 10s));
  produce(producer, topic, 0, 200);

  TopicReader reader(reader_options(broker));
  EXPECT_EQ(reader.partition_count(topic), 4);
  for (int round = 0; round < 2; ++round) {
    std::map<std::string, int> times;
    std::map<int32_t, int64_t> last_offset;
    std::vector<Record> records;
    const size_t count = reader.read_all(topic, [&](const Record& r) {
      records.push_back(r);
      ++times[r.value];
      auto it = last_offset.find(r.partition);
      if (it != last_offset.end()) {
        EXPECT_GT(r.offset, it->second) << "partition " << r.partition;
      }
      last_offset[r.partition] = r.offset;
    });
    EXPECT_EQ(count, 200u) << "round " << round;
    ASSERT_EQ(records.size(), 200u);
    EXPECT_EQ(times.size(), 200u);
    EXPECT_GE(last_offset.size(), 2u) << "keys should spread over partitions";
    for (const auto& r : records) {
      const int i = std::stoi(r.value.substr(6));
      EXPECT_EQ(r.topic, topic);
      EXPECT_EQ(r.key, "key-" + std::to_string(i % 17));
      EXPECT_EQ(r.header("x-n").value_or(""), std::to_string(i));
      EXPECT_EQ(r.header(kCorrelationHeader).value_or(""), "corr-" + std::to_string(i));
      EXPECT_GT(r.timestamp_ms, 0);
    }

    // One message by its position, and positions that hold none.
    const Record& some = records[records.size() / 2];
    auto again = reader.read_at(topic, some.partition, some.offset);
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(again->value, some.value);
    EXPECT_EQ(again->key, some.key);
    EXPECT_EQ(again->headers, some.headers);
    EXPECT_FALSE(reader.read_at(topic, some.partition, last_offset[some.partition] + 1));
    EXPECT_FALSE(reader.read_at(topic, 4, 0));
    EXPECT_FALSE(reader.read_at(topic, -1, 0));
  }
}

TEST(TopicReaderTest, StopsAtTheWatermarksOfTheCall) {
  testing::DevBroker broker(1, 2);
  const std::string topic = "sync.commands";
  Producer producer(test::producer_options(broker, 10s));
  produce(producer, topic, 0, 20);

  TopicReader reader(reader_options(broker));
  bool wrote_more = false;
  size_t count = reader.read_all(topic, [&](const Record&) {
    if (wrote_more) return;
    wrote_more = true;
    // Written while the read runs: past its watermarks, so not part of it.
    produce(producer, topic, 20, 10);
  });
  EXPECT_EQ(count, 20u);
  EXPECT_EQ(reader.read_all(topic, [](const Record&) {}), 30u);
}

TEST(TopicReaderTest, EmptyTopicReturnsZeroQuickly) {
  testing::DevBroker broker(1, 6);
  TopicReader reader(reader_options(broker));
  const auto start = Clock::now();
  EXPECT_EQ(reader.read_all("sync.requests", [](const Record&) { ADD_FAILURE(); }), 0u);
  EXPECT_LT(Clock::now() - start, 3s);
}

TEST(TopicReaderTest, UnknownTopicIsReported) {
  testing::DevBroker broker(1, 1);
  TopicReader reader(reader_options(broker, 3s));
  try {
    reader.read_all("no.such.topic", [](const Record&) {});
    ADD_FAILURE() << "no error";
  } catch (const ReadError& e) {
    EXPECT_EQ(e.kind(), ReadError::Kind::unknown_topic) << e.what();
  }
}

TEST(TopicReaderTest, MissingBrokerFailsWithinTheTimeout) {
  ReaderOptions options;
  options.client.brokers = "127.0.0.1:" + std::to_string(testing::free_port());
  options.client.client_id = "test-reader";
  options.timeout = 2s;
  TopicReader reader(options);
  const auto start = Clock::now();
  try {
    reader.read_all("sync.dlq", [](const Record&) {});
    ADD_FAILURE() << "no error";
  } catch (const ReadError& e) {
    EXPECT_EQ(e.kind(), ReadError::Kind::unavailable) << e.what();
  }
  EXPECT_LT(Clock::now() - start, 6s);
}

TEST(TopicReaderTest, BrokersGoingDownMidwayFailWithinTheTimeout) {
  testing::DevBroker broker(1, 2);
  Producer producer(test::producer_options(broker, 10s));
  produce(producer, "sync.dlq", 0, 10);
  TopicReader reader(reader_options(broker, 2s));
  EXPECT_EQ(reader.read_all("sync.dlq", [](const Record&) {}), 10u);
  broker.all_down();
  const auto start = Clock::now();
  EXPECT_THROW(reader.read_all("sync.dlq", [](const Record&) {}), ReadError);
  EXPECT_LT(Clock::now() - start, 8s);
  broker.all_up();
}

}  // namespace
}  // namespace hbsync::kafka
