#include "hbsync/json/parse.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace hbsync::json {
namespace {

std::string nested_arrays(std::size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

TEST(JsonParse, ReadsOrdinaryDocuments) {
  rapidjson::Document doc;
  auto status = parse(doc, R"([{"a":"x\"[[[","b":[1,2,{"c":null}],"d":"\u00e9\ud83d\ude00"}])");
  ASSERT_TRUE(status) << status.message;
  ASSERT_TRUE(doc.IsArray());
  EXPECT_STREQ(doc[0]["a"].GetString(), "x\"[[[");
  EXPECT_EQ(doc[0]["d"].GetStringLength(), 6u);
}

// Used to overflow the stack (SIGSEGV) in the recursive parse.
TEST(JsonParse, RefusesDeepNestingWithoutCrashing) {
  rapidjson::Document doc;
  auto status = parse(doc, nested_arrays(150'000));
  EXPECT_EQ(status.problem, Problem::too_deep);
  EXPECT_EQ(reason_code(status.problem), "json_too_deep");
  EXPECT_TRUE(doc.IsNull());
  EXPECT_EQ(parse(doc, std::string(150'000, '{')).problem, Problem::too_deep);
}

TEST(JsonParse, DepthLimitIsExact) {
  rapidjson::Document doc;
  EXPECT_TRUE(parse(doc, nested_arrays(64)));
  EXPECT_EQ(parse(doc, nested_arrays(65)).problem, Problem::too_deep);
  EXPECT_TRUE(parse(doc, nested_arrays(3), {.max_depth = 3}));
  EXPECT_FALSE(parse(doc, nested_arrays(4), {.max_depth = 3}));
  // Brackets inside strings do not count.
  EXPECT_TRUE(parse(doc, "[\"" + std::string(1000, '[') + "\\\"\"]"));
}

TEST(JsonParse, RefusesInvalidUtf8) {
  rapidjson::Document doc;
  for (std::string bad : {"[\"\xff\xfe\"]", "{\"a\":\"\xc0\x80\"}", "[\"\xed\xa0\x80\"]",
                          "[\"\xe2\x82\"]", "{\"\xff\":1}"}) {
    auto status = parse(doc, bad);
    EXPECT_EQ(status.problem, Problem::encoding) << status.message;
  }
}

TEST(JsonParse, RefusesLoneSurrogateEscapes) {
  rapidjson::Document doc;
  EXPECT_EQ(parse(doc, R"(["\udc00"])").problem, Problem::encoding);
  EXPECT_EQ(parse(doc, R"(["a\ud800x"])").problem, Problem::syntax);
  EXPECT_TRUE(parse(doc, R"(["\\udc00"])"));  // an escaped backslash, then text
  EXPECT_TRUE(parse(doc, R"(["\ud800\udc00"])"));
}

TEST(JsonParse, RefusesSyntaxErrorsAndNulBytes) {
  rapidjson::Document doc;
  auto status = parse(doc, "[1,");
  EXPECT_EQ(status.problem, Problem::syntax);
  EXPECT_EQ(status.describe(), "Invalid value. at offset 3");
  EXPECT_EQ(parse(doc, std::string("[1]\0[", 5)).problem, Problem::syntax);
  EXPECT_EQ(parse(doc, "").problem, Problem::syntax);
  EXPECT_EQ(parse(doc, "[1] x").problem, Problem::syntax);
}

// Found by fuzz_json_parse: RapidJSON 1.1 read this as -infinity.
TEST(JsonParse, RefusesNumbersBeyondTheDoubleRange) {
  rapidjson::Document doc;
  EXPECT_EQ(parse(doc, "-22999999e308").problem, Problem::syntax);
  EXPECT_EQ(parse(doc, R"({"total":[1,22999999e308]})").problem, Problem::syntax);
  EXPECT_TRUE(parse(doc, "[1.7976931348623157e308,-2.5e-300]"));
}

TEST(JsonParse, ReadsOnlyTheGivenBytes) {
  rapidjson::Document doc;
  const std::string text = "[1]]]]";
  EXPECT_TRUE(parse(doc, std::string_view(text).substr(0, 3)));
}

// UTF-8 inside strings is checked by parse's own scan, not RapidJSON's
// per-character validation: both must accept exactly the same strings.
TEST(JsonParse, Utf8CheckAgreesWithRapidJsonValidation) {
  rapidjson::Document doc;
  for (std::string ok : {"[\"\xc3\xa9\"]", "[\"\xe2\x82\xac\"]", "[\"\xf0\x9f\x98\x80\"]",
                         "[\"\xef\xbf\xbf\xf4\x8f\xbf\xbf\"]", "{\"\xed\x9f\xbf\":1}"}) {
    EXPECT_TRUE(parse(doc, ok)) << ok;
  }
  for (std::string bad : {"[\"\xe0\x80\x80\"]", "[\"\xf0\x80\x80\x80\"]", "[\"\xf4\x90\x80\x80\"]",
                          "[\"\xf5\x80\x80\x80\"]", "[\"\x80\"]", "[\"\xc3\"]", "[\"\xc1\xbf\"]"}) {
    EXPECT_EQ(parse(doc, bad).problem, Problem::encoding) << bad;
  }
  // Random strings of ASCII, continuation and lead bytes, compared with
  // RapidJSON's own validating parse.
  const std::string bytes =
      "ab\x80\x8f\x90\x9f\xa0\xbf\xc0\xc1\xc2\xdf\xe0\xe1\xed\xee\xef\xf0\xf1\xf4\xf5\xff";
  std::mt19937 rng(13);
  for (int round = 0; round < 20000; ++round) {
    std::string value;
    for (int k = static_cast<int>(rng() % 6); k >= 0; --k) value += bytes[rng() % bytes.size()];
    const std::string text = "[\"" + value + "\"]";
    rapidjson::Document reference;
    reference.Parse<rapidjson::kParseValidateEncodingFlag>(text.data(), text.size());
    EXPECT_EQ(static_cast<bool>(parse(doc, text)), !reference.HasParseError()) << text;
  }
}

// A byte the scan must stop at (NUL, quote, backslash, non-ASCII) anywhere
// in a long string gives the same verdict as RapidJSON's validating parse.
TEST(JsonParse, LongStringsAgreeWithRapidJsonValidation) {
  rapidjson::Document doc;
  const std::string specials = std::string("\0\"\\\x80\xc3\xa9\xe2\x82\xac\xff\x7f", 11) + "\\n";
  std::mt19937 rng(17);
  int accepted = 0, refused = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string value(rng() % 40, 'a');
    for (int k = static_cast<int>(rng() % 3); k > 0 && !value.empty(); --k) {
      value[rng() % value.size()] = specials[rng() % specials.size()];
    }
    const std::string text = "[\"" + value + "\",\"" + value + "\"]";
    rapidjson::Document reference;
    reference.Parse<rapidjson::kParseValidateEncodingFlag>(text.data(), text.size());
    const bool ok = static_cast<bool>(parse(doc, text));
    EXPECT_EQ(ok, !reference.HasParseError()) << text;
    ++(ok ? accepted : refused);
  }
  EXPECT_GT(accepted, 1000);
  EXPECT_GT(refused, 1000);
}

// Each byte the scan must see, at every position of a long string (a scan
// that skips plain bytes several at a time must not skip these).
TEST(JsonParse, LongStringsSeeEveryEscapeAndNonAsciiByte) {
  rapidjson::Document doc;
  struct Case {
    std::string inserted;
    Problem problem;
  };
  for (const Case& c :
       {Case{"\\uDC00", Problem::encoding}, Case{"\\ud83d\\ude00", Problem::none},
        Case{"\x80", Problem::encoding}, Case{"\xc3\xa9", Problem::none},
        Case{std::string(1, '\0'), Problem::syntax}, Case{"\\\"]", Problem::none}}) {
    for (size_t at = 0; at <= 24; ++at) {
      std::string value(24, 'a');
      value.insert(at, c.inserted);
      const std::string text = "[\"" + value + "\"]";
      const Status status = parse(doc, text);
      EXPECT_EQ(status.problem, c.problem) << at << ": " << text;
      if (c.inserted[0] == '\0') {
        EXPECT_EQ(status.message, "NUL byte in JSON text") << at;
      }
    }
  }
}

// Outside strings too: every bracket, quote and NUL after runs of other
// bytes of every length.
TEST(JsonParse, LongRunsBetweenTokensSeeEveryBracketQuoteAndNul) {
  rapidjson::Document doc;
  for (size_t pad = 0; pad <= 24; ++pad) {
    const std::string ws(pad, ' ');
    const std::string number = "1" + std::string(pad, '0');
    EXPECT_EQ(parse(doc, "[" + ws + "[" + ws + "[1]]]", {.max_depth = 2}).problem,
              Problem::too_deep)
        << pad;
    EXPECT_TRUE(parse(doc, "[" + ws + "[" + ws + "[1]" + ws + "]" + ws + "]", {.max_depth = 3}))
        << pad;
    EXPECT_EQ(parse(doc, "{\"a\":" + ws + "{\"b\":" + ws + "{}}}", {.max_depth = 2}).problem,
              Problem::too_deep)
        << pad;
    // Closed brackets give their depth back: [1]...[1] at depth 2 each.
    EXPECT_TRUE(parse(doc, "[[" + number + "]," + ws + "{\"c\":" + number + "}," + ws + "[2]]",
                      {.max_depth = 2}))
        << pad;
    // Brackets in a string after a run do not count.
    EXPECT_TRUE(parse(doc, "[" + number + "," + ws + "\"[[[{{{\"]", {.max_depth = 1})) << pad;
    const Status nul = parse(doc, "[" + ws + std::string(1, '\0') + "1]");
    EXPECT_EQ(nul.message, "NUL byte in JSON text") << pad;
    EXPECT_EQ(nul.offset, pad + 1) << pad;
  }
}

// A byte order mark is skipped whole or not at all: a part of one, or a
// second one, is not JSON (RapidJSON's own stream would skip "\xEF\xBB").
TEST(JsonParse, OnlyAWholeByteOrderMarkIsSkipped) {
  for (const std::string& text :
       {std::string("\xEF\xBB\xBF[1]"), std::string("\xEF\xBB\xBF {\"a\":1}")}) {
    rapidjson::Document doc;
    EXPECT_TRUE(parse(doc, text)) << text;
    std::string buffer = text;
    EXPECT_TRUE(parse_insitu(doc, buffer)) << text;
  }
  for (const std::string& text :
       {std::string("\xEF\xBB[1]"), std::string("\xEF[1]"), std::string("\xBB\xBF[1]"),
        std::string("\xEF\xBB\xBF\xEF\xBB\xBF[1]"), std::string("\xEF\xBB\xBF\xEF\xBB[1]"),
        std::string("[1]\xEF\xBB\xBF")}) {
    rapidjson::Document doc;
    const Status copied = parse(doc, text);
    EXPECT_FALSE(copied) << text;
    EXPECT_EQ(copied.problem, Problem::syntax) << text;
    std::string buffer = text;
    EXPECT_EQ(parse_insitu(doc, buffer).describe(), copied.describe()) << text;
  }
  // Offsets count the mark's bytes.
  rapidjson::Document doc;
  EXPECT_EQ(parse(doc, "\xEF\xBB\xBF[1,]").offset, 6u);
}

// parse_insitu is parse done in place: the same status (problem, message,
// offset) and the same document for every text, including random mutations
// of a webhook-like body (escapes, BOM, non-ASCII, syntax errors).
TEST(JsonParse, InsituGivesTheSameResultsAsParse) {
  int accepted = 0, refused = 0;
  auto same = [&](const std::string& text) {
    rapidjson::Document a, b;
    const Status copied = parse(a, text);
    std::string buffer = text;
    const Status in_place = parse_insitu(b, buffer);
    EXPECT_EQ(copied.problem, in_place.problem) << text;
    EXPECT_EQ(copied.describe(), in_place.describe()) << text;
    if (copied && in_place) {
      EXPECT_TRUE(a == b) << text;
    }
    ++(copied ? accepted : refused);
  };
  const std::string body =
      R"([{"eventId":1,"portalId":62515,"subscriptionType":"deal.propertyChange",)"
      R"("propertyName":"dealstage","propertyValue":"a\"b\u00e9\ud83d\ude00\n",)"
      R"("occurredAt":1700000000000,"changeSource":"CRM_UI","x":[1.5,-2e3,true,null,{}]}])";
  for (const std::string& text :
       {body, "\xEF\xBB\xBF" + body, "\xEF\xBB" + body, "\xEF" + body, std::string("\xEF\xBB\xBF"),
        std::string(" [1] "), std::string("[1] x"), std::string("[\"\xc3\xa9\"]"),
        std::string("{\"a\":}"), std::string(""), std::string("[\"\\uDC00\"]"),
        std::string("[1e999]")}) {
    same(text);
  }
  const std::string alphabet = "[]{}\":,\\u0aeE.-+ \x80\xc3\xa9tfn";
  std::mt19937 rng(7);
  for (int round = 0; round < 20000; ++round) {
    std::string text = body;
    for (int k = static_cast<int>(rng() % 3); k >= 0; --k) {
      text[rng() % text.size()] = alphabet[rng() % alphabet.size()];
    }
    same(text);
  }
  EXPECT_GT(accepted, 1000);  // both paths well exercised
  EXPECT_GT(refused, 1000);
}

}  // namespace
}  // namespace hbsync::json
