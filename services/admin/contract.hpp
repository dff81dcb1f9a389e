// The admin API's OpenAPI file (docs/admin-api.yaml) as a test oracle: does
// an answer match what the file documents for its route and status? Test
// support only (test_support.hpp wraps it as expect_contract).
//
// Strict on purpose, so the file and the code cannot drift:
// - the route (method + pattern) and the status must be documented;
// - a documented JSON body: Content-Type application/json, and the body
//   matches the schema: types (integer means a JSON integer), required
//   properties, enums, nested objects and arrays, $ref, allOf (the union of
//   its parts' properties), oneOf/anyOf, nullable, minimum/maximum. An
//   object may carry only the properties its schema declares unless
//   additionalProperties allows more (true, or a schema each extra value
//   must match);
// - no documented body: the answer must not be JSON (204 and 302: empty).
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

namespace hbsync::admin::testing {

class Contract {
 public:
  // Parses an OpenAPI document (YAML text). Throws YAML::Exception.
  static Contract parse(const std::string& yaml_text);
  // docs/admin-api.yaml, loaded once.
  static const Contract& admin_api();

  // Every problem with this answer, empty when it matches.
  std::vector<std::string> check(const std::string& method, const std::string& pattern, int status,
                                 const std::string& content_type, const std::string& body) const;

  // (METHOD, pattern) of every documented operation, in file order.
  std::vector<std::pair<std::string, std::string>> operations() const;

 private:
  explicit Contract(YAML::Node root) : root_(std::move(root)) {}
  YAML::Node root_;
};

}  // namespace hbsync::admin::testing
