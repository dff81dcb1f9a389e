#include "hbsync/json/read.hpp"

#include <gtest/gtest.h>

#include <string>

#include "hbsync/json/parse.hpp"

namespace hbsync::json {
namespace {

rapidjson::Document doc_of(std::string_view text) {
  rapidjson::Document doc;
  EXPECT_TRUE(parse(doc, text)) << text;
  return doc;
}

const char* kDoc = R"({"name":"tanaka","id":42,"big":18446744073709551615,"half":1.5,
  "one":1.0,"numeric":"7","on":true,"off":false,"nothing":null,"list":[1],"obj":{"k":"v"},
  "a\u0000b":"nul in key"})";

TEST(JsonRead, ReadsMembersOfTheExpectedType) {
  auto doc = doc_of(kDoc);
  std::string error = "untouched";
  EXPECT_EQ(member_string(doc, "name", &error).value_or("?"), "tanaka");
  EXPECT_EQ(member_int64(doc, "id", &error).value_or(-1), 42);
  EXPECT_EQ(member_bool(doc, "on", &error), std::optional<bool>(true));
  EXPECT_EQ(member_bool(doc, "off", &error), std::optional<bool>(false));
  ASSERT_NE(member_array(doc, "list", &error), nullptr);
  EXPECT_EQ(member_array(doc, "list")->Size(), 1u);
  ASSERT_NE(member_object(doc, "obj", &error), nullptr);
  EXPECT_EQ(member_string(*member_object(doc, "obj"), "k").value_or("?"), "v");
  EXPECT_EQ(error, "untouched");  // success leaves the error alone
  // Names are compared by length, so a name with a NUL is its own name.
  EXPECT_EQ(member_string(doc, std::string_view("a\0b", 3)).value_or("?"), "nul in key");
  EXPECT_FALSE(member_string(doc, "a"));
}

TEST(JsonRead, RefusesOtherTypesAndSaysWhy) {
  auto doc = doc_of(kDoc);
  std::string error;
  EXPECT_FALSE(member_string(doc, "id", &error));
  EXPECT_EQ(error, "\"id\" must be a string, not a number");
  EXPECT_FALSE(member_int64(doc, "numeric", &error));
  EXPECT_EQ(error, "\"numeric\" must be a whole number, not a string");
  EXPECT_FALSE(member_int64(doc, "half", &error));
  EXPECT_FALSE(member_int64(doc, "one", &error));  // 1.0 is not an integer in JSON's text
  EXPECT_FALSE(member_int64(doc, "big", &error));  // beyond int64_t
  EXPECT_FALSE(member_bool(doc, "nothing", &error));
  EXPECT_EQ(error, "\"nothing\" must be true or false, not null");
  EXPECT_EQ(member_array(doc, "obj", &error), nullptr);
  EXPECT_EQ(error, "\"obj\" must be an array, not an object");
  EXPECT_EQ(member_object(doc, "list", &error), nullptr);
  EXPECT_EQ(error, "\"list\" must be an object, not an array");
  EXPECT_FALSE(member_string(doc, "missing", &error));
  EXPECT_EQ(error, "\"missing\" is missing");
  EXPECT_FALSE(member_string(doc["list"], "name", &error));
  EXPECT_EQ(error, "not an object (an array)");
  EXPECT_FALSE(member_string(doc, "id"));  // no error wanted: no crash
}

TEST(JsonRead, ErrorsNeverQuoteTheValue) {
  auto doc = doc_of(R"({"token":123456789,"secret":["hunter2"]})");
  std::string error;
  EXPECT_FALSE(member_string(doc, "token", &error));
  EXPECT_EQ(error.find("123456789"), std::string::npos) << error;
  EXPECT_FALSE(member_string(doc, "secret", &error));
  EXPECT_EQ(error.find("hunter2"), std::string::npos) << error;
}

TEST(JsonRead, NamesTypesAndViewsStrings) {
  auto doc = doc_of(R"([null,true,false,{},[],"s",1,1.5])");
  const char* names[] = {"null",     "a boolean", "a boolean", "an object",
                         "an array", "a string",  "a number",  "a number"};
  for (rapidjson::SizeType i = 0; i < doc.Size(); ++i) EXPECT_STREQ(type_name(doc[i]), names[i]);
  EXPECT_EQ(string_view_of(doc[5]).value_or("?"), "s");
  EXPECT_FALSE(string_view_of(doc[6]));
  EXPECT_EQ(find_member(doc, "x"), nullptr);  // not an object
  auto obj = doc_of(R"({"n":null})");
  ASSERT_NE(find_member(obj, "n"), nullptr);  // present, even if null
  EXPECT_TRUE(find_member(obj, "n")->IsNull());
}

}  // namespace
}  // namespace hbsync::json
