#include "hbsync/kafka/options.hpp"

#include <gtest/gtest.h>

#include <map>
#include <stdexcept>

#include "hbsync/kafka/producer.hpp"

namespace hbsync::kafka {
namespace {

config::Loader loader_with(std::map<std::string, std::string> env) {
  return config::Loader("test", "test", 0, nullptr,
                        [env](const std::string& name) -> std::optional<std::string> {
                          auto it = env.find(name);
                          if (it == env.end()) return std::nullopt;
                          return it->second;
                        });
}

TEST(TopicsTest, DefaultsAreTheDevBrokerTopics) {
  auto loader = loader_with({});
  Topics t = Topics::load(loader);
  EXPECT_EQ(t.hubspot_events, "hubspot.events");
  EXPECT_EQ(t.board_changes, "board.changes");
  EXPECT_EQ(t.sync_commands, "sync.commands");
  EXPECT_EQ(t.sync_requests, "sync.requests");
  EXPECT_EQ(t.sync_dlq, "sync.dlq");
  EXPECT_EQ(t.all(), (std::vector<std::string>{"hubspot.events", "board.changes", "sync.commands",
                                               "sync.requests", "sync.dlq"}));
  EXPECT_TRUE(loader.errors().empty());
}

TEST(TopicsTest, EnvironmentOverrides) {
  auto loader = loader_with({{"HBSYNC_TOPIC_HUBSPOT_EVENTS", "prod.hubspot.events"},
                             {"HBSYNC_TOPIC_SYNC_DLQ", "prod.sync.dlq"}});
  Topics t = Topics::load(loader);
  EXPECT_EQ(t.hubspot_events, "prod.hubspot.events");
  EXPECT_EQ(t.sync_dlq, "prod.sync.dlq");
  EXPECT_EQ(t.board_changes, "board.changes");
}

TEST(ClientOptionsTest, DefaultsToLocalBroker) {
  auto loader = loader_with({});
  ClientOptions o = ClientOptions::load(loader, "hbsync-test");
  EXPECT_EQ(o.brokers, "127.0.0.1:9092");
  EXPECT_EQ(o.client_id, "hbsync-test");
  EXPECT_TRUE(o.extra.empty());
}

TEST(ClientOptionsTest, ParsesExtraPropertiesAndHidesThemInHelp) {
  auto loader =
      loader_with({{"HBSYNC_KAFKA_BROKERS", "k1:9093,k2:9093"},
                   {"HBSYNC_KAFKA_PROPERTIES",
                    " security.protocol=SASL_SSL , sasl.mechanism=PLAIN,sasl.password=a=b,, "}});
  ClientOptions o = ClientOptions::load(loader, "x");
  EXPECT_EQ(o.brokers, "k1:9093,k2:9093");
  EXPECT_EQ(o.extra.size(), 3u);
  EXPECT_EQ(o.extra["security.protocol"], "SASL_SSL");
  EXPECT_EQ(o.extra["sasl.password"], "a=b");
  EXPECT_EQ(loader.help_text().find("SASL_SSL"), std::string::npos);
}

TEST(ClientOptionsTest, RejectsItemWithoutEqualsWithoutEchoingIt) {
  auto loader = loader_with({{"HBSYNC_KAFKA_PROPERTIES", "acks=all,hunter2"}});
  try {
    ClientOptions::load(loader, "x");
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("item 2"), std::string::npos);
    EXPECT_EQ(std::string(e.what()).find("hunter2"), std::string::npos);
  }
}

TEST(ProducerOptionsTest, DeliveryTimeoutAndLinger) {
  auto loader = loader_with({{"HBSYNC_KAFKA_DELIVERY_TIMEOUT", "3s"}});
  ProducerOptions o = ProducerOptions::load(loader, ClientOptions::load(loader, "x"));
  EXPECT_EQ(o.delivery_timeout, std::chrono::milliseconds(3000));
  EXPECT_EQ(o.linger, std::chrono::milliseconds(2));
  EXPECT_TRUE(loader.errors().empty());
}

TEST(ProducerOptionsTest, AServiceDefaultLingerGivesWayToTheVariable) {
  auto plain = loader_with({});
  EXPECT_EQ(ProducerOptions::load(plain, ClientOptions::load(plain, "x"), "4s", "1ms").linger,
            std::chrono::milliseconds(1));
  auto set = loader_with({{"HBSYNC_KAFKA_LINGER", "5ms"}});
  EXPECT_EQ(ProducerOptions::load(set, ClientOptions::load(set, "x"), "4s", "1ms").linger,
            std::chrono::milliseconds(5));
}

}  // namespace
}  // namespace hbsync::kafka
