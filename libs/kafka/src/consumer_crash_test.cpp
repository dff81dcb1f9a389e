// A consumer process SIGKILLed mid-stream: the next member of its group
// resumes exactly at the last committed offset. Nothing is lost, and no
// offset was committed for a message that had not been processed.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <sstream>

#include "hbsync/kafka/producer.hpp"
#include "hbsync/testing/process.hpp"
#include "test_support.hpp"

namespace hbsync::kafka {
namespace {

using namespace std::chrono_literals;
using Offsets =
    std::map<int32_t, std::vector<int64_t>>;  // partition -> offsets in processing order

Offsets read_records(const std::string& path) {
  Offsets out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    int32_t partition = -1;
    int64_t offset = -1;
    if (fields >> partition >> offset) out[partition].push_back(offset);
  }
  return out;
}

size_t count(const Offsets& o) {
  size_t n = 0;
  for (const auto& [p, v] : o) n += v.size();
  return n;
}

TEST(ConsumerCrashTest, KilledConsumerResumesAtLastCommittedOffset) {
  constexpr int kPartitions = 3;
  constexpr int kMessages = 300;
  testing::DevBroker broker(3, kPartitions);
  const std::string topic = "sync.commands";
  const std::string group = "crash";

  std::map<int32_t, int64_t> end_offsets;  // partition -> next offset after our messages
  {
    Producer producer(test::producer_options(broker, 10s));
    std::mutex mutex;
    for (int i = 0; i < kMessages; ++i) {
      producer.produce({topic, "key-" + std::to_string(i), std::to_string(i), {}, {}},
                       [&](const DeliveryResult& r) {
                         ASSERT_TRUE(r.ok) << r.error;
                         std::lock_guard lock(mutex);
                         end_offsets[r.partition] =
                             std::max(end_offsets[r.partition], r.offset + 1);
                       });
    }
    ASSERT_TRUE(producer.flush(15s));
  }
  const auto dir = std::filesystem::path(broker.log_path()).parent_path();
  const std::string first_file = (dir / "first.records").string();
  const std::string second_file = (dir / "second.records").string();
  auto start = [&](const std::string& records, const std::string& delay, const std::string& log) {
    return testing::Process({testing::bin_path("hbsync-kafka-test-consumer")},
                            {{"HBSYNC_KAFKA_BROKERS", broker.bootstrap()},
                             {"HBSYNC_KAFKA_GROUP_ID", group},
                             {"HBSYNC_KAFKA_COMMIT_INTERVAL", "200ms"},
                             {"HBSYNC_KAFKA_SESSION_TIMEOUT", "3s"},
                             {"HBSYNC_TEST_TOPIC", topic},
                             {"HBSYNC_TEST_RECORD_FILE", records},
                             {"HBSYNC_TEST_HANDLER_DELAY", delay}},
                            (dir / log).string());
  };

  // First member: slow enough to be killed in the middle of the stream.
  testing::Process first = start(first_file, "10ms", "first.log");
  ASSERT_TRUE(testing::wait_until([&] { return count(read_records(first_file)) >= 120; }, 30s))
      << "first consumer made no progress; see " << (dir / "first.log");
  first.kill_hard();
  const Offsets processed_first = read_records(first_file);
  const auto committed = test::committed_offsets(broker.bootstrap(), group, topic, kPartitions);

  int64_t committed_total = 0;
  for (const auto& [partition, offset] : committed) {
    if (offset <= 0) continue;
    committed_total += offset;
    std::set<int64_t> done;
    if (auto it = processed_first.find(partition); it != processed_first.end()) {
      done.insert(it->second.begin(), it->second.end());
    }
    for (int64_t o = 0; o < offset; ++o) {
      ASSERT_TRUE(done.count(o)) << "offset " << o << " of partition " << partition
                                 << " committed but never processed";
    }
  }
  EXPECT_GT(committed_total, 0) << "nothing was committed before the kill";
  EXPECT_LT(committed_total, kMessages);

  // Second member of the same group takes over.
  testing::Process second = start(second_file, "0ms", "second.log");
  auto all_processed = [&] {
    auto a = read_records(first_file);
    auto b = read_records(second_file);
    size_t distinct = 0;
    for (int32_t p = 0; p < kPartitions; ++p) {
      std::set<int64_t> s(a[p].begin(), a[p].end());
      s.insert(b[p].begin(), b[p].end());
      distinct += s.size();
    }
    return distinct >= static_cast<size_t>(kMessages);
  };
  ASSERT_TRUE(testing::wait_until(all_processed, 40s))
      << "messages missing; see " << (dir / "second.log");
  second.signal(SIGTERM);
  EXPECT_EQ(second.wait(10s), std::optional<int>(0));

  Offsets processed_second = read_records(second_file);
  size_t redone = 0;
  for (int32_t p = 0; p < kPartitions; ++p) {
    const int64_t resume_at = std::max<int64_t>(0, committed.at(p));
    const auto& second_offsets = processed_second[p];
    if (resume_at == end_offsets[p]) {
      EXPECT_TRUE(second_offsets.empty()) << "partition " << p << " was already complete";
      continue;
    }
    ASSERT_FALSE(second_offsets.empty()) << "partition " << p;
    EXPECT_EQ(second_offsets.front(), resume_at)
        << "partition " << p << " did not resume at commit";
    EXPECT_EQ(second_offsets.back(), end_offsets[p] - 1) << "partition " << p;
    for (size_t i = 1; i < second_offsets.size(); ++i) {
      EXPECT_EQ(second_offsets[i], second_offsets[i - 1] + 1) << "gap in partition " << p;
    }
    if (auto it = processed_first.find(p); it != processed_first.end()) {
      for (int64_t o : it->second) redone += o >= resume_at ? 1 : 0;
    }
  }
  std::printf(
      "crash: processed before kill=%zu, committed=%lld, redone after restart=%zu, "
      "processed after restart=%zu\n",
      count(processed_first), static_cast<long long>(committed_total), redone,
      count(processed_second));
  EXPECT_EQ(count(processed_second) + count(processed_first) - redone,
            static_cast<size_t>(kMessages));
}

}  // namespace
}  // namespace hbsync::kafka
