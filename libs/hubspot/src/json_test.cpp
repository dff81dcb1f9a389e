// Unit tests of the HubSpot JSON readers against hostile or broken answers.
#include "json.hpp"

#include <gtest/gtest.h>

#include <string>

namespace hbsync::hubspot {
namespace {

std::string deep_arrays() {
  return std::string(150'000, '[') + std::string(150'000, ']');
}

TEST(HubSpotJsonTest, ReadsARecord) {
  std::string error;
  auto deal = json::parse_object(
      R"({"id":"42","properties":{"dealname":"A","amount":null,"hs_is_closed":true},
          "createdAt":"2024-01-01T00:00:00Z","updatedAt":"2024-01-02T00:00:00Z","archived":false})",
      error);
  ASSERT_TRUE(deal) << error;
  EXPECT_EQ(deal->id, "42");
  EXPECT_EQ(deal->properties.at("hs_is_closed").value_or(""), "true");
}

// Used to overflow the stack (SIGSEGV) in the recursive parse.
TEST(HubSpotJsonTest, DeepAnswersAreErrorsNotCrashes) {
  const std::string deep = deep_arrays();
  const std::string deep_object = R"({"results":)" + std::string(150'000, '[');
  std::string error;
  EXPECT_FALSE(json::parse_object(deep, error));
  EXPECT_NE(error.find("not JSON"), std::string::npos) << error;
  EXPECT_FALSE(json::parse_deal(deep, error));
  EXPECT_FALSE(json::parse_batch(deep_object, 200, error));
  EXPECT_FALSE(json::parse_search(deep_object, error));
  EXPECT_FALSE(json::parse_v4_associations(deep, error));
  EXPECT_FALSE(json::parse_owner(deep, error));
  EXPECT_FALSE(json::parse_pipelines(deep, error));
  EXPECT_FALSE(json::parse_properties(deep, error));
  EXPECT_FALSE(json::parse_tokens(deep, 0, error));
  EXPECT_FALSE(json::parse_token_info(deep, error));
  EXPECT_EQ(json::policy_name(deep), "");
  Error e;
  e.status = 500;
  json::fill_error(e, deep);
  EXPECT_EQ(e.message, "HTTP 500");
}

TEST(HubSpotJsonTest, InvalidUtf8IsAnError) {
  std::string error;
  EXPECT_FALSE(
      json::parse_object("{\"id\":\"1\",\"properties\":{\"dealname\":\"\xff\xfe\"}}", error));
  EXPECT_FALSE(json::parse_object(R"({"id":"1","properties":{"dealname":"\udc00"}})", error));
}

}  // namespace
}  // namespace hbsync::hubspot
