// The member readers: strict (read.hpp) and lenient (lenient.hpp).
#include "hbsync/json/read.hpp"

#include <gtest/gtest.h>

#include <string>

#include "hbsync/json/lenient.hpp"
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

// ---- lenient readers: documents whose producer we do not control ----

using namespace lenient;

const char* kThirdParty = R"({"name":"tanaka","id":42,"big":18446744073709551615,"half":1.5,
  "one":1.0,"numeric":"7","signed":"-7","padded":" 7","on":true,"nothing":null,"list":[1],
  "amount":1234.5})";

TEST(JsonLenient, NullIsTheSameAsMissing) {
  auto doc = doc_of(kThirdParty);
  EXPECT_EQ(member(doc, "nothing"), nullptr);
  EXPECT_EQ(member(doc, "absent"), nullptr);
  EXPECT_NE(member(doc, "name"), nullptr);
  EXPECT_EQ(member(doc["list"], "name"), nullptr);  // not an object
  EXPECT_EQ(opt_str(doc, "nothing"), std::nullopt);
  EXPECT_EQ(str(doc, "nothing"), "");
}

TEST(JsonLenient, IdsComeAsNumbersNumericStringsOrIntegralDoubles) {
  auto doc = doc_of(kThirdParty);
  EXPECT_EQ(int_of(member(doc, "id")), 42);
  EXPECT_EQ(int_of(member(doc, "numeric")), 7);
  EXPECT_EQ(int_of(member(doc, "signed")), -7);
  EXPECT_EQ(int_of(member(doc, "one")), 1);
  EXPECT_EQ(int_of(member(doc, "half")), std::nullopt);
  EXPECT_EQ(int_of(member(doc, "big")), std::nullopt);  // beyond int64
  EXPECT_EQ(int_of(member(doc, "padded")), std::nullopt);
  EXPECT_EQ(int_of(member(doc, "name")), std::nullopt);
  EXPECT_EQ(int_of(member(doc, "on")), std::nullopt);
  EXPECT_EQ(int_of(nullptr), std::nullopt);
}

TEST(JsonLenient, TextKeepsNumbersInTheirJsonSpelling) {
  auto doc = doc_of(kThirdParty);
  EXPECT_EQ(str(doc, "name"), "tanaka");
  EXPECT_EQ(str(doc, "id"), "42");
  EXPECT_EQ(str(doc, "amount"), "1234.5");
  EXPECT_EQ(str(doc, "big"), "18446744073709551615");
  EXPECT_EQ(opt_str(doc, "list"), std::nullopt);
}

TEST(JsonLenient, BooleansAreTextOnlyWhenAsked) {
  auto doc = doc_of(kThirdParty);
  EXPECT_EQ(opt_str(doc, "on"), std::nullopt);
  EXPECT_EQ(opt_str(doc, "on", Bools::as_text), "true");
  EXPECT_EQ(text_of(member(doc, "on"), Bools::as_text), "true");
}

TEST(JsonLenient, BooleansFromBooleansOrTheTextTrue) {
  auto doc = doc_of(R"({"t":true,"f":false,"yes":"true","no":"false","x":"1","n":1})");
  EXPECT_EQ(bool_of(member(doc, "t")), true);
  EXPECT_EQ(bool_of(member(doc, "f")), false);
  EXPECT_EQ(bool_of(member(doc, "yes")), true);
  EXPECT_EQ(bool_of(member(doc, "no")), false);
  EXPECT_EQ(bool_of(member(doc, "x")), false);
  EXPECT_EQ(bool_of(member(doc, "n")), std::nullopt);
  EXPECT_EQ(bool_of(member(doc, "absent")), std::nullopt);
}

TEST(JsonLenient, CutKeepsWholeUtf8Sequences) {
  EXPECT_EQ(cut_utf8("short", 10), "short");
  EXPECT_EQ(cut_utf8("abcdef", 3, "..."), "abc...");
  // "日" is three bytes: cutting inside it drops it whole.
  EXPECT_EQ(cut_utf8("a\xe6\x97\xa5", 2), "a");
  EXPECT_EQ(cut_utf8("a\xe6\x97\xa5", 4), "a\xe6\x97\xa5");
}

}  // namespace
}  // namespace hbsync::json
