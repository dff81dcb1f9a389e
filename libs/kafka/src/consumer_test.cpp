// Consumer against a dev broker: retries re-deliver the same message, and
// stop() finishes, commits and hands over to the next group member.
#include "hbsync/kafka/consumer.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <future>
#include <mutex>

#include "hbsync/kafka/producer.hpp"
#include "hbsync/testing/process.hpp"
#include "test_support.hpp"

namespace hbsync::kafka {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

void produce_numbers(const testing::DevBroker& broker, const std::string& topic, int count) {
  Producer producer(test::producer_options(broker, 10s));
  std::vector<OutgoingMessage> batch;
  for (int i = 0; i < count; ++i) batch.push_back({topic, "same-key", std::to_string(i), {}, {}});
  std::promise<BatchResult> reported;
  producer.produce_batch(std::move(batch), [&](const BatchResult& r) { reported.set_value(r); });
  ASSERT_TRUE(reported.get_future().get().ok);
}

struct Delivery {
  int value;
  int attempt;
  bool exhausted;
  Clock::time_point at;
};

// Consumes `topic` (numbers from produce_numbers) as `group`, answering each
// delivery with `decide(delivery, deliveries so far including it)`, until
// `last` is delivered; then stops. Every delivery, in order.
std::vector<Delivery> deliveries_until(
    const testing::DevBroker& broker, const std::string& group, const std::string& topic, int last,
    const std::function<HandlerResult(const Delivery&, size_t)>& decide) {
  std::mutex mutex;
  std::vector<Delivery> deliveries;
  test::ConsumerThread consumer(test::consumer_options(broker, group, {topic}), [&](const Message&
                                                                                        m) {
    const Delivery d{std::stoi(std::string(m.value)), m.attempt, m.retries_exhausted, Clock::now()};
    size_t n = 0;
    {
      std::lock_guard lock(mutex);
      deliveries.push_back(d);
      n = deliveries.size();
    }
    return decide(d, n);
  });
  EXPECT_TRUE(testing::wait_until(
      [&] {
        std::lock_guard lock(mutex);
        return !deliveries.empty() && deliveries.back().value == last;
      },
      30s));
  consumer.stop();
  std::lock_guard lock(mutex);
  return deliveries;
}

TEST(ConsumerTest, RetryRedeliversTheSameMessageThenMovesOn) {
  testing::DevBroker broker(3, 1);
  const std::string topic = "sync.commands";
  produce_numbers(broker, topic, 10);

  const auto deliveries =
      deliveries_until(broker, "retry", topic, 9, [](const Delivery& d, size_t) {
        if (d.value == 3 && d.attempt < 3) return HandlerResult::retry;
        if (d.value == 5 && d.attempt == 1) throw std::runtime_error("transient");
        return HandlerResult::done;
      });
  ASSERT_TRUE(!deliveries.empty() && deliveries.back().value == 9);

  std::vector<std::pair<int, int>> order;
  for (const auto& d : deliveries) order.emplace_back(d.value, d.attempt);
  std::vector<std::pair<int, int>> expected = {{0, 1}, {1, 1}, {2, 1}, {3, 1}, {3, 2},
                                               {3, 3}, {4, 1}, {5, 1}, {5, 2}, {6, 1},
                                               {7, 1}, {8, 1}, {9, 1}};
  EXPECT_EQ(order, expected);
  // Delays are jittered in [0, cap]: only their upper bound is certain.
  EXPECT_LT(deliveries[5].at - deliveries[3].at, 1s);
  EXPECT_EQ(test::committed_offsets(broker.bootstrap(), "retry", topic, 1)[0], 10);
}

TEST(ConsumerTest, ExhaustedRetriesAreFlaggedAndNeverSkipped) {
  testing::DevBroker broker(1, 1);
  const std::string topic = "sync.commands";
  produce_numbers(broker, topic, 2);

  const auto deliveries =
      deliveries_until(broker, "exhausted", topic, 1, [](const Delivery& d, size_t) {
        // Keeps failing past the policy's end: must keep coming back.
        return d.value == 0 && d.attempt < 8 ? HandlerResult::retry : HandlerResult::done;
      });
  ASSERT_EQ(deliveries.size(), 9u);
  for (size_t i = 0; i < 8; ++i) {
    EXPECT_EQ(deliveries[i].value, 0);
    EXPECT_EQ(deliveries[i].attempt, static_cast<int>(i) + 1);
    // The policy allows 5 deliveries: from the 5th on the handler is told.
    EXPECT_EQ(deliveries[i].exhausted, i + 1 >= 5) << "delivery " << i + 1;
  }
  EXPECT_EQ(deliveries[8].value, 1);
  EXPECT_FALSE(deliveries[8].exhausted);
  // After the policy gave up, deliveries continue every max_delay (400 ms).
  EXPECT_GE(deliveries[7].at - deliveries[6].at, 350ms);
}

TEST(ConsumerTest, ProgressedRedeliversWithAFreshBudget) {
  testing::DevBroker broker(1, 1);
  const std::string topic = "hubspot.events";
  produce_numbers(broker, topic, 2);

  const auto deliveries =
      deliveries_until(broker, "progressed", topic, 1, [](const Delivery& d, size_t n) {
        if (d.value != 0) return HandlerResult::done;
        // Message 0 in parts: fails its first part until the budget is used
        // up, then progresses twice (a part done each time), then is done.
        if (n < 5) return HandlerResult::retry;
        if (n == 5 || n == 6) return HandlerResult::progressed;
        return n < 9 ? HandlerResult::retry : HandlerResult::done;
      });
  ASSERT_TRUE(!deliveries.empty() && deliveries.back().value == 1);
  std::vector<std::pair<int, bool>> attempts;
  for (const auto& d : deliveries) attempts.emplace_back(d.attempt, d.exhausted);
  // 5 deliveries allowed: the 5th is told it is the last; a progress starts
  // over at 1 (not told), twice in a row too; then counts on from there.
  const std::vector<std::pair<int, bool>> expected = {
      {1, false}, {2, false}, {3, false}, {4, false}, {5, true},
      {1, false}, {1, false}, {2, false}, {3, false}, {1, false}};
  EXPECT_EQ(attempts, expected);
  EXPECT_EQ(test::committed_offsets(broker.bootstrap(), "progressed", topic, 1)[0], 2);
}

TEST(ConsumerTest, StopFinishesSlowHandlerCommitsAndNextMemberContinues) {
  testing::DevBroker broker(3, 1);
  const std::string topic = "sync.requests";
  produce_numbers(broker, topic, 10);

  std::mutex mutex;
  std::vector<int> first_run, second_run;
  std::atomic<bool> in_slow_handler{false};
  auto options = test::consumer_options(broker, "handover", {topic});
  options.commit_interval = 60s;  // only the commit on stop() can save message 5
  auto first = std::make_unique<test::ConsumerThread>(options, [&](const Message& m) {
    int value = std::stoi(std::string(m.value));
    if (value == 5) {
      in_slow_handler = true;
      std::this_thread::sleep_for(2s);  // the scenario: a slow handler in hand at stop()
    }
    std::lock_guard lock(mutex);
    first_run.push_back(value);
    return HandlerResult::done;
  });
  ASSERT_TRUE(testing::wait_until([&] { return in_slow_handler.load(); }, 30s));
  auto started = Clock::now();
  first->stop();
  auto took = Clock::now() - started;
  EXPECT_LT(took, 5s);
  std::printf(
      "stop() returned after %lld ms\n",
      static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(took).count()));
  EXPECT_EQ(first_run, (std::vector<int>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(test::committed_offsets(broker.bootstrap(), "handover", topic, 1)[0], 6);

  test::ConsumerThread second(test::consumer_options(broker, "handover", {topic}),
                              [&](const Message& m) {
                                std::lock_guard lock(mutex);
                                second_run.push_back(std::stoi(std::string(m.value)));
                                return HandlerResult::done;
                              });
  ASSERT_TRUE(testing::wait_until(
      [&] {
        std::lock_guard lock(mutex);
        return !second_run.empty() && second_run.back() == 9;
      },
      30s));
  // Quiescence, not a pause: once the group has committed the whole
  // partition (10 messages), nothing more can be delivered.
  ASSERT_TRUE(testing::wait_until(
      [&] { return test::committed_offsets(broker.bootstrap(), "handover", topic, 1)[0] == 10; },
      30s));
  second.stop();
  EXPECT_EQ(second_run, (std::vector<int>{6, 7, 8, 9}));
}

// SIGTERM during a Kafka outage must not hang the service: the commit is
// bounded, and leaving the group gives up when no coordinator answers.
TEST(ConsumerTest, StopDuringOutageReturns) {
  testing::DevBroker broker(3, 1);
  const std::string topic = "sync.commands";
  produce_numbers(broker, topic, 3);
  std::atomic<int> handled{0};
  test::ConsumerThread consumer(test::consumer_options(broker, "outage-stop", {topic}),
                                [&](const Message&) {
                                  ++handled;
                                  return HandlerResult::done;
                                });
  ASSERT_TRUE(testing::wait_until([&] { return handled.load() == 3; }, 30s));
  broker.all_down();
  auto started = Clock::now();
  consumer.stop();
  auto took = Clock::now() - started;
  std::printf(
      "stop() during outage returned after %lld ms\n",
      static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(took).count()));
  EXPECT_LT(took, 15s);
}

}  // namespace
}  // namespace hbsync::kafka
