// docs/admin-api.yaml and the code cannot drift: the contract checker
// catches wrong answers (on a small document of its own), every registered
// route is documented, and every documented route of a written module is
// registered.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "test_support.hpp"

namespace hbsync::admin::testing {
namespace {

const char* kTinyApi = R"(
openapi: 3.0.3
paths:
  /things/{id}:
    get:
      responses:
        '200':
          description: a thing
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Thing'}
        '404': {$ref: '#/components/responses/NotFound'}
        '422':
          description: a failure with details
          content:
            application/json:
              schema:
                allOf:
                  - $ref: '#/components/schemas/Error'
                  - type: object
                    required: [errors]
                    properties:
                      errors: {type: array, items: {type: string}}
    delete:
      responses:
        '204': {description: gone}
components:
  responses:
    NotFound:
      description: no such thing
      content:
        application/json:
          schema: {$ref: '#/components/schemas/Error'}
  schemas:
    Error:
      type: object
      required: [error]
      properties:
        error:
          type: object
          required: [code]
          properties:
            code: {type: string}
    Thing:
      type: object
      required: [id, kind, parts]
      properties:
        id: {type: integer, minimum: 1}
        kind: {type: string, enum: [small, large]}
        note: {type: string, nullable: true}
        parts:
          type: array
          items:
            type: object
            required: [name]
            properties:
              name: {type: string}
        counts:
          type: object
          additionalProperties: {type: integer}
)";

const std::string kGood =
    R"({"id":7,"kind":"small","note":null,"parts":[{"name":"a"}],"counts":{"x":1}})";

std::vector<std::string> check_thing(const std::string& body, int status = 200,
                                     const std::string& type = "application/json") {
  static const Contract tiny = Contract::parse(kTinyApi);
  return tiny.check("GET", "/things/{id}", status, type, body);
}

std::string joined(const std::vector<std::string>& problems) {
  std::string out;
  for (const auto& p : problems) out += p + "\n";
  return out;
}

// One wrong answer: at least one problem, and it names `says`.
void expect_caught(const std::vector<std::string>& problems, const std::string& says) {
  ASSERT_FALSE(problems.empty()) << "not caught: expected a problem naming \"" << says << "\"";
  EXPECT_NE(joined(problems).find(says), std::string::npos) << joined(problems);
}

TEST(ContractTest, AcceptsADocumentedAnswer) {
  EXPECT_TRUE(check_thing(kGood).empty()) << joined(check_thing(kGood));
  EXPECT_TRUE(check_thing(R"({"error":{"code":"not_found"}})", 404).empty());
  EXPECT_TRUE(check_thing(R"({"error":{"code":"validation"},"errors":["x"]})", 422).empty());
  static const Contract tiny = Contract::parse(kTinyApi);
  EXPECT_TRUE(tiny.check("DELETE", "/things/{id}", 204, "", "").empty());
}

TEST(ContractTest, CatchesWrongBodies) {
  expect_caught(check_thing(R"({"id":"7","kind":"small","parts":[]})"), "$.id: expected integer");
  expect_caught(check_thing(R"({"id":7.5,"kind":"small","parts":[]})"), "expected integer");
  expect_caught(check_thing(R"({"id":0,"kind":"small","parts":[]})"), "below minimum");
  expect_caught(check_thing(R"({"id":7,"parts":[]})"), "required property 'kind'");
  expect_caught(check_thing(R"({"id":7,"kind":"medium","parts":[]})"), "\"medium\" is not one of");
  expect_caught(check_thing(R"({"id":7,"kind":"small","parts":[{"nom":"a"}]})"),
                "$.parts[0]: required property 'name'");
  expect_caught(check_thing(R"({"id":7,"kind":"small","parts":[{"name":1}]})"),
                "$.parts[0].name: expected string");
  expect_caught(check_thing(R"({"id":7,"kind":"small","parts":{}})"), "expected array");
  expect_caught(check_thing(R"({"id":7,"kind":"small","parts":[],"extra":1})"),
                "$.extra: property not documented");
  expect_caught(check_thing(R"({"id":7,"kind":"small","parts":[],"counts":{"x":"1"}})"),
                "$.counts.x: expected integer");
  expect_caught(check_thing(R"({"id":7,"kind":"small","parts":[],"note":3})"),
                "$.note: expected string");
  expect_caught(check_thing(R"([1])"), "$: expected object");
  expect_caught(check_thing("not json"), "not JSON");
}

TEST(ContractTest, CatchesWrongErrorsAndAllOf) {
  // $ref'd response: the Error schema.
  expect_caught(check_thing(R"({"error":{}})", 404), "$.error: required property 'code'");
  expect_caught(check_thing(R"({"message":"x"})", 404), "required property 'error'");
  // allOf: both parts' requirements, and their properties together.
  expect_caught(check_thing(R"({"error":{"code":"validation"}})", 422),
                "required property 'errors'");
  expect_caught(check_thing(R"({"errors":[]})", 422), "required property 'error'");
  expect_caught(check_thing(R"({"error":{"code":"v"},"errors":[],"more":1})", 422),
                "$.more: property not documented");
}

TEST(ContractTest, CatchesUndocumentedRoutesStatusesAndContent) {
  static const Contract tiny = Contract::parse(kTinyApi);
  expect_caught(tiny.check("GET", "/nothing", 200, "application/json", "{}"),
                "GET /nothing is not in the API description");
  expect_caught(tiny.check("POST", "/things/{id}", 200, "application/json", "{}"),
                "POST /things/{id} is not in the API description");
  expect_caught(check_thing(kGood, 500), "status 500 is not documented (documented: 200 404 422)");
  expect_caught(check_thing(kGood, 200, "text/html"), "not application/json");
  expect_caught(tiny.check("DELETE", "/things/{id}", 204, "application/json", "{}"),
                "undocumented JSON body");
  expect_caught(tiny.check("DELETE", "/things/{id}", 204, "text/plain", "x"),
                "body should be empty");
}

TEST(ContractTest, RefusesSchemaKeywordsItDoesNotCheck) {
  const Contract odd = Contract::parse(R"(
paths:
  /x:
    get:
      responses:
        '200':
          description: x
          content:
            application/json:
              schema: {type: object, propertyNames: {pattern: '^a'}}
)");
  expect_caught(odd.check("GET", "/x", 200, "application/json", "{}"),
                "'propertyNames' is not checked");
}

TEST(ContractTest, AdminApiParsesAndEveryRefResolves) {
  const Contract& api = Contract::admin_api();
  ASSERT_FALSE(api.operations().empty());
  // The error answer every route has: a body of the shared Error schema.
  EXPECT_TRUE(api.check("GET", "/api/v1/session", 401, "application/json",
                        R"({"error":{"code":"unauthenticated","message":"x"}})")
                  .empty());
}

// Which module documents each path: the yaml's section comments
// "# --- ... (services/admin/<module>.cpp) ---".
std::map<std::string, std::string> module_of_paths() {
  std::ifstream in(ADMIN_API_YAML_PATH);
  std::map<std::string, std::string> out;
  std::string module;
  for (std::string line; std::getline(in, line);) {
    const size_t file = line.find("(services/admin/");
    if (line.rfind("  # ---", 0) == 0 && file != std::string::npos) {
      module = line.substr(file + 16, line.find(')', file) - file - 16);
    } else if (line.size() > 3 && line.rfind("  /", 0) == 0 && line.back() == ':') {
      out[line.substr(2, line.size() - 3)] = module;
    }
  }
  return out;
}

class AdminRoutesTest : public ::testing::Test {
 protected:
  AdminStack stack_;
};

TEST_F(AdminRoutesTest, SessionWithoutCookieIs401) {
  const auto res = stack_.send(Browser{}, "GET", "/api/v1/session");
  EXPECT_EQ(res.status, 401) << res.body;
  expect_contract("GET", "/api/v1/session", res);
  EXPECT_NE(res.body.find("\"unauthenticated\""), std::string::npos) << res.body;
}

TEST_F(AdminRoutesTest, EveryRegisteredRouteIsDocumented) {
  const auto documented = Contract::admin_api().operations();
  const std::set<std::pair<std::string, std::string>> docs(documented.begin(), documented.end());
  std::set<std::pair<std::string, std::string>> registered;
  for (const auto& r : stack_.api().routes()) {
    EXPECT_TRUE(r.second.rfind("/api/v1/", 0) == 0)
        << r.second << " is an API route outside /api/v1";
    registered.insert(r);
  }
  for (const auto& r : stack_.api().pages()) registered.insert(r);
  for (const auto& r : registered) {
    EXPECT_TRUE(docs.count(r)) << r.first << " " << r.second
                               << " is registered but not in docs/admin-api.yaml";
  }
}

TEST_F(AdminRoutesTest, EveryDocumentedRouteOfAWrittenModuleIsRegistered) {
  const auto modules = module_of_paths();
  std::set<std::pair<std::string, std::string>> registered(stack_.api().routes().begin(),
                                                           stack_.api().routes().end());
  registered.insert(stack_.api().pages().begin(), stack_.api().pages().end());
  std::map<std::string, int> written;  // module -> routes it registered
  for (const auto& [method, pattern] : registered) {
    auto it = modules.find(pattern);
    if (it != modules.end()) ++written[it->second];
  }
  for (const auto& [method, pattern] : Contract::admin_api().operations()) {
    auto it = modules.find(pattern);
    ASSERT_NE(it, modules.end()) << pattern << " is in no section of docs/admin-api.yaml";
    if (written[it->second] == 0) {
      // A module that registers nothing is still the skeleton's stub.
      std::cout << "not written yet: " << it->second << " (" << method << " " << pattern << ")\n";
      continue;
    }
    EXPECT_TRUE(registered.count({method, pattern}))
        << method << " " << pattern << " is documented (" << it->second << ") but not registered";
    // The router finds it too, with {params} filled in.
    http::Request request;
    request.method = method;
    std::string path = pattern;
    for (size_t at = path.find('{'); at != std::string::npos; at = path.find('{')) {
      path.replace(at, path.find('}', at) - at + 1, "x1");
    }
    request.target = path;
    EXPECT_EQ(stack_.router().route_of(request), pattern) << method << " " << path;
  }
}

}  // namespace
}  // namespace hbsync::admin::testing
