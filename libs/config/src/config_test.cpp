#include "hbsync/config/config.hpp"

#include <gtest/gtest.h>

#include <map>

namespace hbsync::config {
namespace {

TEST(ConfigTest, DefaultsApplyWhenUnset) {
  Loader l("hbsync-test", "test", 0, nullptr, env_from({}));
  EXPECT_EQ(l.str("UNITTEST_A", "x", "a"), "x");
  EXPECT_EQ(l.integer("UNITTEST_B", 7, "b"), 7);
  EXPECT_EQ(l.port("UNITTEST_P", 8080, "p"), 8080);
  EXPECT_TRUE(l.boolean("UNITTEST_C", true, "c"));
  EXPECT_EQ(l.duration("UNITTEST_D", "5s", "d"), std::chrono::seconds(5));
  EXPECT_TRUE(l.errors().empty());
  EXPECT_EQ(l.variables().size(), 5u);
}

TEST(ConfigTest, ValuesFromEnvironmentAreTyped) {
  Loader l("hbsync-test", "test", 0, nullptr,
           env_from({{"UNITTEST_A", "hello"},
                     {"UNITTEST_B", "-12"},
                     {"UNITTEST_C", "off"},
                     {"UNITTEST_D", "250ms"},
                     {"UNITTEST_L", " a, b ,,c "}}));
  EXPECT_EQ(l.str("UNITTEST_A", "x", "a"), "hello");
  EXPECT_EQ(l.integer("UNITTEST_B", 7, "b"), -12);
  EXPECT_FALSE(l.boolean("UNITTEST_C", true, "c"));
  EXPECT_EQ(l.duration("UNITTEST_D", "5s", "d"), std::chrono::milliseconds(250));
  EXPECT_EQ(l.list("UNITTEST_L", "", "l"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(l.errors().empty());
}

TEST(ConfigTest, BadValuesAreReportedByName) {
  Loader l("hbsync-test", "test", 0, nullptr,
           env_from({{"UNITTEST_B", "12x"},
                     {"UNITTEST_C", "maybe"},
                     {"UNITTEST_D", "5 parsecs"},
                     {"UNITTEST_P", "70000"}}));
  l.integer("UNITTEST_B", 7, "b");
  l.boolean("UNITTEST_C", true, "c");
  l.duration("UNITTEST_D", "5s", "d");
  l.port("UNITTEST_P", 1, "p");
  l.required_str("UNITTEST_R", "r");
  ASSERT_EQ(l.errors().size(), 5u);
  EXPECT_NE(l.errors()[0].find("UNITTEST_B"), std::string::npos);
  EXPECT_NE(l.errors()[1].find("UNITTEST_C"), std::string::npos);
  EXPECT_NE(l.errors()[2].find("UNITTEST_D"), std::string::npos);
  EXPECT_NE(l.errors()[3].find("between 0 and 65535"), std::string::npos);
  EXPECT_NE(l.errors()[4].find("UNITTEST_R: is required"), std::string::npos);
}

TEST(ConfigTest, HelpListsEveryVariableButHidesSecrets) {
  char arg0[] = "hbsync-test";
  char arg1[] = "--help";
  char* argv[] = {arg0, arg1};
  Loader l("hbsync-test", "does tests", 2, argv, env_from({{"UNITTEST_S", "hunter2"}}));
  l.str("UNITTEST_A", "x", "the a value");
  EXPECT_EQ(l.secret("UNITTEST_S", "default-secret", "a secret"), "hunter2");
  EXPECT_TRUE(l.help_requested());
  std::string help = l.help_text();
  EXPECT_NE(help.find("UNITTEST_A"), std::string::npos);
  EXPECT_NE(help.find("the a value [default: x]"), std::string::npos);
  EXPECT_NE(help.find("UNITTEST_S"), std::string::npos);
  EXPECT_EQ(help.find("default-secret"), std::string::npos);
  EXPECT_EQ(help.find("hunter2"), std::string::npos);
}

TEST(ConfigTest, FinishExitsWithStatus2OnErrors) {
  EXPECT_EXIT(
      {
        Loader l("hbsync-test", "test", 0, nullptr, env_from({{"UNITTEST_B", "nope"}}));
        l.integer("UNITTEST_B", 1, "b");
        l.finish();
      },
      testing::ExitedWithCode(2), "UNITTEST_B: must be a whole number");
}

TEST(ConfigTest, ChoiceAcceptsOnlyListedValues) {
  Loader l("hbsync-test", "test", 0, nullptr, env_from({{"UNITTEST_LEVEL", "loud"}}));
  EXPECT_EQ(l.choice("UNITTEST_LEVEL", "info", {"debug", "info"}, "level"), "info");
  EXPECT_EQ(l.choice("UNITTEST_OTHER", "info", {"debug", "info"}, "level"), "info");
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
