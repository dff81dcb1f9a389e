#include "hbsync/config/config.hpp"

#include <gtest/gtest.h>

#include <map>

namespace hbsync::config {
namespace {

EnvLookup fake_env(std::map<std::string, std::string> values) {
  return [values](const std::string& name) -> std::optional<std::string> {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

TEST(ConfigTest, DefaultsApplyWhenUnset) {
  Loader l("hbsync-test", "test", 0, nullptr, fake_env({}));
  EXPECT_EQ(l.str("HBSYNC_A", "x", "a"), "x");
  EXPECT_EQ(l.integer("HBSYNC_B", 7, "b"), 7);
  EXPECT_EQ(l.port("HBSYNC_P", 8080, "p"), 8080);
  EXPECT_TRUE(l.boolean("HBSYNC_C", true, "c"));
  EXPECT_EQ(l.duration("HBSYNC_D", "5s", "d"), std::chrono::seconds(5));
  EXPECT_TRUE(l.errors().empty());
  EXPECT_EQ(l.variables().size(), 5u);
}

TEST(ConfigTest, ValuesFromEnvironmentAreTyped) {
  Loader l("hbsync-test", "test", 0, nullptr,
           fake_env({{"HBSYNC_A", "hello"},
                     {"HBSYNC_B", "-12"},
                     {"HBSYNC_C", "off"},
                     {"HBSYNC_D", "250ms"},
                     {"HBSYNC_L", " a, b ,,c "}}));
  EXPECT_EQ(l.str("HBSYNC_A", "x", "a"), "hello");
  EXPECT_EQ(l.integer("HBSYNC_B", 7, "b"), -12);
  EXPECT_FALSE(l.boolean("HBSYNC_C", true, "c"));
  EXPECT_EQ(l.duration("HBSYNC_D", "5s", "d"), std::chrono::milliseconds(250));
  EXPECT_EQ(l.list("HBSYNC_L", "", "l"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(l.errors().empty());
}

TEST(ConfigTest, BadValuesAreReportedByName) {
  Loader l("hbsync-test", "test", 0, nullptr,
           fake_env({{"HBSYNC_B", "12x"},
                     {"HBSYNC_C", "maybe"},
                     {"HBSYNC_D", "5 parsecs"},
                     {"HBSYNC_P", "70000"}}));
  l.integer("HBSYNC_B", 7, "b");
  l.boolean("HBSYNC_C", true, "c");
  l.duration("HBSYNC_D", "5s", "d");
  l.port("HBSYNC_P", 1, "p");
  l.required_str("HBSYNC_R", "r");
  ASSERT_EQ(l.errors().size(), 5u);
  EXPECT_NE(l.errors()[0].find("HBSYNC_B"), std::string::npos);
  EXPECT_NE(l.errors()[1].find("HBSYNC_C"), std::string::npos);
  EXPECT_NE(l.errors()[2].find("HBSYNC_D"), std::string::npos);
  EXPECT_NE(l.errors()[3].find("between 0 and 65535"), std::string::npos);
  EXPECT_NE(l.errors()[4].find("HBSYNC_R: is required"), std::string::npos);
}

TEST(ConfigTest, HelpListsEveryVariableButHidesSecrets) {
  char arg0[] = "hbsync-test";
  char arg1[] = "--help";
  char* argv[] = {arg0, arg1};
  Loader l("hbsync-test", "does tests", 2, argv, fake_env({{"HBSYNC_S", "hunter2"}}));
  l.str("HBSYNC_A", "x", "the a value");
  EXPECT_EQ(l.secret("HBSYNC_S", "default-secret", "a secret"), "hunter2");
  EXPECT_TRUE(l.help_requested());
  std::string help = l.help_text();
  EXPECT_NE(help.find("HBSYNC_A"), std::string::npos);
  EXPECT_NE(help.find("the a value [default: x]"), std::string::npos);
  EXPECT_NE(help.find("HBSYNC_S"), std::string::npos);
  EXPECT_EQ(help.find("default-secret"), std::string::npos);
  EXPECT_EQ(help.find("hunter2"), std::string::npos);
}

TEST(ConfigTest, FinishExitsWithStatus2OnErrors) {
  EXPECT_EXIT(
      {
        Loader l("hbsync-test", "test", 0, nullptr, fake_env({{"HBSYNC_B", "nope"}}));
        l.integer("HBSYNC_B", 1, "b");
        l.finish();
      },
      testing::ExitedWithCode(2), "HBSYNC_B: must be a whole number");
}

TEST(ConfigTest, ChoiceAcceptsOnlyListedValues) {
  Loader l("hbsync-test", "test", 0, nullptr, fake_env({{"HBSYNC_LEVEL", "loud"}}));
  EXPECT_EQ(l.choice("HBSYNC_LEVEL", "info", {"debug", "info"}, "level"), "info");
  EXPECT_EQ(l.choice("HBSYNC_OTHER", "info", {"debug", "info"}, "level"), "info");
  ASSERT_EQ(l.errors().size(), 1u);
  EXPECT_NE(l.errors()[0].find("must be one of debug, info, got \"loud\""), std::string::npos);
}

TEST(ConfigTest, ParseDuration) {
  EXPECT_EQ(parse_duration("1500"), std::chrono::milliseconds(1500));
  EXPECT_EQ(parse_duration("2m"), std::chrono::minutes(2));
  EXPECT_EQ(parse_duration("1h"), std::chrono::hours(1));
  EXPECT_EQ(parse_duration("1d"), std::chrono::hours(24));
  EXPECT_FALSE(parse_duration(""));
  EXPECT_FALSE(parse_duration("ms"));
  EXPECT_FALSE(parse_duration("-5s"));
  EXPECT_FALSE(parse_duration("5w"));
}

}  // namespace
}  // namespace hbsync::config
