#include "hbsync/json/lenient.hpp"

#include <gtest/gtest.h>

#include <string>

#include "hbsync/json/parse.hpp"

namespace hbsync::json::lenient {
namespace {

rapidjson::Document doc_of(std::string_view text) {
  rapidjson::Document doc;
  EXPECT_TRUE(parse(doc, text)) << text;
  return doc;
}

const char* kDoc = R"({"name":"tanaka","id":42,"big":18446744073709551615,"half":1.5,
  "one":1.0,"numeric":"7","signed":"-7","padded":" 7","on":true,"nothing":null,"list":[1],
  "amount":1234.5})";

TEST(JsonLenient, NullIsTheSameAsMissing) {
  auto doc = doc_of(kDoc);
  EXPECT_EQ(member(doc, "nothing"), nullptr);
  EXPECT_EQ(member(doc, "absent"), nullptr);
  EXPECT_NE(member(doc, "name"), nullptr);
  EXPECT_EQ(member(doc["list"], "name"), nullptr);  // not an object
  EXPECT_EQ(opt_str(doc, "nothing"), std::nullopt);
  EXPECT_EQ(str(doc, "nothing"), "");
}

TEST(JsonLenient, IdsComeAsNumbersNumericStringsOrIntegralDoubles) {
  auto doc = doc_of(kDoc);
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
  auto doc = doc_of(kDoc);
  EXPECT_EQ(str(doc, "name"), "tanaka");
  EXPECT_EQ(str(doc, "id"), "42");
  EXPECT_EQ(str(doc, "amount"), "1234.5");
  EXPECT_EQ(str(doc, "big"), "18446744073709551615");
  EXPECT_EQ(opt_str(doc, "list"), std::nullopt);
}

TEST(JsonLenient, BooleansAreTextOnlyWhenAsked) {
  auto doc = doc_of(kDoc);
  EXPECT_EQ(opt_str(doc, "on"), std::nullopt);
  EXPECT_EQ(opt_str(doc, "on", Bools::as_text), "true");
  EXPECT_EQ(text_of(member(doc, "on"), Bools::as_text), "true");
}

TEST(JsonLenient, CutKeepsWholeUtf8Sequences) {
  EXPECT_EQ(cut_utf8("short", 10), "short");
  EXPECT_EQ(cut_utf8("abcdef", 3, "..."), "abc...");
  // "日" is three bytes: cutting inside it drops it whole.
  EXPECT_EQ(cut_utf8("a\xe6\x97\xa5", 2), "a");
  EXPECT_EQ(cut_utf8("a\xe6\x97\xa5", 4), "a\xe6\x97\xa5");
}

}  // namespace
}  // namespace hbsync::json::lenient
