#include "hbsync/webhook/signature.hpp"

#include <gtest/gtest.h>

namespace hbsync::webhook {
namespace {

constexpr std::string_view kSecret = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy";
constexpr std::string_view kUri = "https://www.example.com/webhook_uri";

// The three vectors of reference/hubspot.md.
TEST(SignV3, MatchesHubSpotPythonSdkVector) {
  EXPECT_EQ(sign_v3(kSecret, "POST", kUri, "{'example_field':'example_value'}", 15000000),
            "HPW73RUtKmcYoEDADG0s6MmGFWUzWJKAW07r8RDgcQw=");
}

TEST(SignV3, MatchesObservedVector) {
  EXPECT_EQ(sign_v3(kSecret, "POST", kUri, "{'example_field':'example_value'}", 1693657560000),
            "K36dawei4A+QBNolUOqo7s91KQDWQ5MXZ/QufNYuk/Y=");
}

TEST(SignV3, MatchesJsonBodyVector) {
  EXPECT_EQ(sign_v3(kSecret, "POST", kUri, R"({"example_field":"example_value"})", 1700000000000),
            "rQEKkaNUiu+1qGF//O/pw4BCzstSqO1PyUnGICmf+7o=");
}

TEST(VerifyV3, AcceptsEachReferenceVectorAtItsOwnTime) {
  EXPECT_EQ(verify_v3(kSecret, "POST", kUri, "{'example_field':'example_value'}", "15000000",
                      "HPW73RUtKmcYoEDADG0s6MmGFWUzWJKAW07r8RDgcQw=", 15000000),
            Verdict::ok);
  EXPECT_EQ(verify_v3(kSecret, "POST", kUri, "{'example_field':'example_value'}", "1693657560000",
                      "K36dawei4A+QBNolUOqo7s91KQDWQ5MXZ/QufNYuk/Y=", 1693657560000 + 1000),
            Verdict::ok);
  EXPECT_EQ(
      verify_v3(kSecret, "POST", kUri, R"({"example_field":"example_value"})", "1700000000000",
                "rQEKkaNUiu+1qGF//O/pw4BCzstSqO1PyUnGICmf+7o=", 1700000000000),
      Verdict::ok);
}

TEST(VerifyV3, RejectsTamperedBodyMethodUriSecret) {
  const std::string body = R"({"example_field":"example_value"})";
  const std::string sig = "rQEKkaNUiu+1qGF//O/pw4BCzstSqO1PyUnGICmf+7o=";
  const int64_t ts = 1700000000000;
  EXPECT_EQ(verify_v3(kSecret, "POST", kUri, body + " ", "1700000000000", sig, ts),
            Verdict::mismatch);
  EXPECT_EQ(verify_v3(kSecret, "PUT", kUri, body, "1700000000000", sig, ts), Verdict::mismatch);
  EXPECT_EQ(verify_v3(kSecret, "POST", "http://www.example.com/webhook_uri", body, "1700000000000",
                      sig, ts),
            Verdict::mismatch);
  EXPECT_EQ(verify_v3("other-secret", "POST", kUri, body, "1700000000000", sig, ts),
            Verdict::mismatch);
  EXPECT_EQ(verify_v3(kSecret, "POST", kUri, body, "1700000000001", sig, ts), Verdict::mismatch);
}

TEST(VerifyV3, EnforcesFiveMinuteWindowAndFutureSkew) {
  const int64_t ts = 1700000000000;
  const std::string body = "[]";
  const std::string ts_text = std::to_string(ts);
  const std::string sig = sign_v3(kSecret, "POST", kUri, body, ts);
  EXPECT_EQ(verify_v3(kSecret, "POST", kUri, body, ts_text, sig, ts + 300000), Verdict::ok);
  EXPECT_EQ(verify_v3(kSecret, "POST", kUri, body, ts_text, sig, ts + 300001), Verdict::expired);
  EXPECT_EQ(verify_v3(kSecret, "POST", kUri, body, ts_text, sig, ts - 60000), Verdict::ok);
  EXPECT_EQ(verify_v3(kSecret, "POST", kUri, body, ts_text, sig, ts - 60001), Verdict::from_future);
  VerifyOptions strict;
  strict.max_age = std::chrono::milliseconds(1000);
  strict.max_future_skew = std::chrono::milliseconds(0);
  EXPECT_EQ(verify_v3(kSecret, "POST", kUri, body, ts_text, sig, ts + 1001, strict),
            Verdict::expired);
  EXPECT_EQ(verify_v3(kSecret, "POST", kUri, body, ts_text, sig, ts - 1, strict),
            Verdict::from_future);
}

TEST(VerifyV3, RejectsMalformedHeaders) {
  const int64_t now = 1700000000000;
  const std::string sig = sign_v3(kSecret, "POST", kUri, "[]", now);
  EXPECT_EQ(verify_v3(kSecret, "POST", kUri, "[]", "1700000000000", "", now),
            Verdict::missing_signature);
  for (std::string_view bad : {"", "-1700000000000", "+1700000000000", "17e11", " 1700000000000",
                               "1700000000000 ", "99999999999999999999"}) {
    EXPECT_EQ(verify_v3(kSecret, "POST", kUri, "[]", bad, sig, now), Verdict::bad_timestamp) << bad;
  }
}

TEST(DecodeSignedUri, DecodesOnlyTheListedEscapes) {
  EXPECT_EQ(decode_signed_uri("https://h.example/p?a=%3A%2F%3F%40%21%24%27%28%29%2A%2C%3B"),
            "https://h.example/p?a=:/?@!$'()*,;");
  // Not in HubSpot's list: stays encoded, as do lower-case spellings.
  EXPECT_EQ(decode_signed_uri("https://h.example/p?a=%20%26%3D%3a%2"),
            "https://h.example/p?a=%20%26%3D%3a%2");
  EXPECT_EQ(decode_signed_uri("%"), "%");
  EXPECT_EQ(decode_signed_uri("%3"), "%3");
  EXPECT_EQ(decode_signed_uri("x%3A"), "x:");
}

TEST(SignV3, SignsTheDecodedUri) {
  // Computed independently (Python hmac) over the decoded URI.
  EXPECT_EQ(
      sign_v3(kSecret, "POST", "https://hooks.example.com/w?x=a%3Ab%2Fc", "[]", 1700000000000),
      "tWBMH/1Ycz1m2OPbMPuSDECIjcg6dchaFqSjwyivOWw=");
  EXPECT_EQ(verify_v3(kSecret, "POST", "https://hooks.example.com/w?x=a:b/c", "[]", "1700000000000",
                      "tWBMH/1Ycz1m2OPbMPuSDECIjcg6dchaFqSjwyivOWw=", 1700000000000),
            Verdict::ok);
}

TEST(LegacySignatures, AreHexSha256) {
  EXPECT_EQ(sign_v1(kSecret, R"({"a":1})"),
            "b3d1c1b2a567a096cb36dc042c6c0531ab72146fe7f19931edbba093e6677ccf");
  EXPECT_EQ(sign_v2(kSecret, "POST", kUri, R"({"a":1})"),
            "7c22cec35f0567559177c93a2b73f7851b5479a9fdc9b2f68712175b1310055b");
}

TEST(ConstantTimeEquals, ComparesWholeStrings) {
  EXPECT_TRUE(constant_time_equals("", ""));
  EXPECT_TRUE(constant_time_equals("abc", "abc"));
  EXPECT_FALSE(constant_time_equals("abc", "abd"));
  EXPECT_FALSE(constant_time_equals("abc", "ab"));
}

}  // namespace
}  // namespace hbsync::webhook
