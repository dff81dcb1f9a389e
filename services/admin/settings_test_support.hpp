// What the admin_settings_test files share (settings_*_test.cpp): one
// AdminStack for the whole binary, calls checked against the contract, and
// readers for the answers.
#pragma once

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/pointer.h>

#include <memory>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace hbsync::admin::settings_test {

using rapidjson::Pointer;
using testing::AdminStack;
using testing::Browser;
using testing::expect_contract;

rapidjson::Document parse(const std::string& text);
std::string to_text(const rapidjson::Value& value);
// Hiragana or katakana: the message is a Japanese sentence.
bool japanese(const std::string& text);
// The answer's error.code ("" when none).
std::string error_code(const rapidjson::Document& doc);
// The field errors of a 422 answer at `field`.
std::vector<const rapidjson::Value*> errors_at(const rapidjson::Document& doc,
                                               const std::string& field);
// Fails unless the 422 answer has an error with `code` at `field` whose
// message is Japanese; returns that message.
std::string expect_error(const rapidjson::Document& doc, const std::string& field,
                         const std::string& code);

class SettingsRoutesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { stack_ = std::make_unique<AdminStack>(); }
  static void TearDownTestSuite() { stack_.reset(); }

  static AdminStack& stack() { return *stack_; }

  // One API call as `browser`, its answer checked against the contract.
  static http::ClientResponse api(const Browser& browser, const std::string& method,
                                  const std::string& path, const std::string& body = "") {
    http::ClientResponse response = stack().send(browser, method, path, body);
    expect_contract(method, path, response);
    return response;
  }

  static int64_t version(const std::string& tenant_id) {
    return stack().store().version(tenant_id);
  }

  // PUT /api/v1/settings with the settings GET answered, changed by `edit`.
  template <class Edit>
  static http::ClientResponse put_edited(const Browser& browser, Edit edit,
                                         int64_t version_delta = 0) {
    auto got = parse(api(browser, "GET", "/api/v1/settings").body);
    rapidjson::Document body;
    body.SetObject();
    auto& a = body.GetAllocator();
    body.AddMember("version", got["version"].GetInt64() + version_delta, a);
    rapidjson::Value settings(got["settings"], a);
    body.AddMember("settings", settings, a);
    edit(body);
    return api(browser, "PUT", "/api/v1/settings", to_text(body));
  }

  // A board account in the simulator whose token has `operations`.
  static void make_board_account(const std::string& key, const std::string& token,
                                 const std::string& operations) {
    stack().board().control(
        "POST", "/_sim/accounts",
        R"({"api_key":")" + key + R"(","tokens":[{"token":")" + token + R"(","operations":)" +
            operations +
            R"(}],"users":[{"email":"sato@settings-test.example","last_name":"佐藤","first_name":"花子"}]})");
  }

  static std::unique_ptr<AdminStack> stack_;
};

// A simulator answering 503 to every API call while it lives.
class Outage {
 public:
  explicit Outage(hbsync::testing::Simulator& sim) : sim_(sim) {
    sim_.control("POST", "/_sim/faults", R"({"count":100000,"status":503})");
  }
  ~Outage() { sim_.control("DELETE", "/_sim/faults"); }
  Outage(const Outage&) = delete;
  Outage& operator=(const Outage&) = delete;

 private:
  hbsync::testing::Simulator& sim_;
};

}  // namespace hbsync::admin::settings_test
