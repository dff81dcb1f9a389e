#include "contract.hpp"

#include <rapidjson/document.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>

namespace hbsync::admin::testing {
namespace {

const std::set<std::string> kMethods = {"get", "put", "post", "delete", "patch"};
// Keywords that only describe: nothing to check.
const std::set<std::string> kAnnotations = {"description", "example",   "examples",
                                            "title",       "default",   "format",
                                            "readOnly",    "writeOnly", "deprecated"};
const std::set<std::string> kChecked = {
    "$ref",     "allOf",    "oneOf",    "anyOf",      "type",
    "nullable", "enum",     "required", "properties", "additionalProperties",
    "items",    "minimum",  "maximum",  "minLength",  "maxLength",
    "pattern",  "minItems", "maxItems"};

// node[key], or an undefined node (false, not a map nor a sequence) when
// node is not a map or has no such key: yaml-cpp throws on a missing key's
// node as soon as it is asked anything else.
YAML::Node at(const YAML::Node& node, const std::string& key) {
  if (!node || !node.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  const YAML::Node child = node[key];
  return child ? child : YAML::Node(YAML::NodeType::Undefined);
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return text;
}

std::string json_type(const rapidjson::Value& v) {
  if (v.IsNull()) return "null";
  if (v.IsBool()) return "boolean";
  if (v.IsInt64() || v.IsUint64()) return "integer";
  if (v.IsNumber()) return "number";
  if (v.IsString()) return "string";
  if (v.IsArray()) return "array";
  return "object";
}

bool has_type(const rapidjson::Value& v, const std::string& type) {
  if (type == "integer") return v.IsInt64() || v.IsUint64();
  if (type == "number") return v.IsNumber();
  if (type == "string") return v.IsString();
  if (type == "boolean") return v.IsBool();
  if (type == "object") return v.IsObject();
  if (type == "array") return v.IsArray();
  return false;
}

// Scalar JSON value as YAML would write it, for enum comparisons.
std::string scalar_text(const rapidjson::Value& v) {
  if (v.IsString()) return v.GetString();
  if (v.IsBool()) return v.GetBool() ? "true" : "false";
  if (v.IsInt64()) return std::to_string(v.GetInt64());
  if (v.IsUint64()) return std::to_string(v.GetUint64());
  if (v.IsNumber()) return std::to_string(v.GetDouble());
  return "<" + json_type(v) + ">";
}

// Properties declared by an object schema (through $ref and allOf), and
// whether it accepts others.
struct Known {
  std::set<std::string> names;
  bool open = false;
};

class Validator {
 public:
  Validator(const YAML::Node& root, std::vector<std::string>& problems)
      : root_(root), problems_(problems) {}

  // Follows $ref (local "#/..." pointers) to the schema or response itself.
  YAML::Node resolve(const YAML::Node& start, const std::string& path) {
    YAML::Node current = start;
    for (int depth = 0;; ++depth) {
      const YAML::Node node = current;
      if (!node.IsMap() || !at(node, "$ref")) return current;
      const std::string ref = at(node, "$ref").as<std::string>();
      if (depth > 32 || ref.rfind("#/", 0) != 0) {
        problem(path, "cannot resolve $ref " + ref);
        return YAML::Node();
      }
      YAML::Node target = root_;
      std::stringstream parts(ref.substr(2));
      for (std::string part; std::getline(parts, part, '/');) {
        const YAML::Node parent = target;
        target.reset(at(parent, part));  // reset: operator= would overwrite the node
        if (!target) {
          problem(path, "$ref " + ref + " names nothing in the document");
          return YAML::Node();
        }
      }
      current.reset(target);
    }
  }

  void collect(const YAML::Node& start, Known& known, const std::string& path) {
    const YAML::Node schema = resolve(start, path);
    if (!schema.IsMap()) return;
    if (const YAML::Node props = at(schema, "properties"); props.IsMap()) {
      for (const auto& p : props) known.names.insert(p.first.as<std::string>());
    }
    if (const YAML::Node extra = at(schema, "additionalProperties");
        extra && !(extra.IsScalar() && extra.as<std::string>() == "false")) {
      known.open = true;
    }
    if (const YAML::Node parts = at(schema, "allOf"); parts.IsSequence()) {
      for (const auto& part : parts) collect(part, known, path);
    }
  }

  void validate(const YAML::Node& start, const rapidjson::Value& v, const std::string& path,
                const Known& siblings = {}) {
    const YAML::Node schema = resolve(start, path);
    if (!schema.IsMap()) {
      if (schema) problem(path, "schema is not a mapping");
      return;
    }
    for (const auto& entry : schema) {
      const std::string key = entry.first.as<std::string>();
      if (!kAnnotations.count(key) && !kChecked.count(key)) {
        problem(path, "schema keyword '" + key + "' is not checked by contract.cpp");
      }
    }
    if (v.IsNull() && at(schema, "nullable") && at(schema, "nullable").as<bool>()) return;
    if (const YAML::Node parts = at(schema, "allOf"); parts.IsSequence()) {
      Known known = siblings;
      collect(schema, known, path);
      for (const auto& part : parts) validate(part, v, path, known);
    }
    for (const char* keyword : {"oneOf", "anyOf"}) {
      if (const YAML::Node parts = at(schema, keyword); parts.IsSequence()) {
        alternatives(keyword, parts, v, path);
      }
    }
    std::string type = at(schema, "type") ? at(schema, "type").as<std::string>() : "";
    if (type.empty() && (at(schema, "properties") || at(schema, "required"))) type = "object";
    if (!type.empty() && !has_type(v, type)) {
      problem(path, "expected " + type + ", got " + json_type(v));
      return;
    }
    enumeration(schema, v, path);
    bounds(schema, v, path);
    if (v.IsObject() && (type == "object" || at(schema, "properties")))
      object(schema, v, path, siblings);
    if (v.IsArray() && at(schema, "items")) {
      for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
        validate(at(schema, "items"), v[i], path + "[" + std::to_string(i) + "]");
      }
    }
  }

 private:
  void problem(const std::string& path, const std::string& what) {
    problems_.push_back(path + ": " + what);
  }

  void alternatives(const std::string& keyword, const YAML::Node& parts, const rapidjson::Value& v,
                    const std::string& path) {
    int matches = 0;
    for (const auto& part : parts) {
      std::vector<std::string> mine;
      Validator(root_, mine).validate(part, v, path);
      if (mine.empty()) ++matches;
    }
    if (keyword == "oneOf" ? matches != 1 : matches == 0) {
      problem(path, "matches " + std::to_string(matches) + " of the " + keyword + " schemas");
    }
  }

  void enumeration(const YAML::Node& schema, const rapidjson::Value& v, const std::string& path) {
    const YAML::Node values = at(schema, "enum");
    if (!values.IsSequence()) return;
    const std::string text = scalar_text(v);
    std::string listed;
    for (const auto& allowed : values) {
      if (allowed.as<std::string>() == text) return;
      listed += (listed.empty() ? "" : ", ") + allowed.as<std::string>();
    }
    problem(path, "\"" + text + "\" is not one of [" + listed + "]");
  }

  void bounds(const YAML::Node& schema, const rapidjson::Value& v, const std::string& path) {
    if (v.IsNumber()) {
      const double x = v.GetDouble();
      if (at(schema, "minimum") && x < at(schema, "minimum").as<double>()) {
        problem(path,
                scalar_text(v) + " is below minimum " + at(schema, "minimum").as<std::string>());
      }
      if (at(schema, "maximum") && x > at(schema, "maximum").as<double>()) {
        problem(path,
                scalar_text(v) + " is above maximum " + at(schema, "maximum").as<std::string>());
      }
    }
    if (v.IsString()) {
      const size_t n = v.GetStringLength();
      if (at(schema, "minLength") && n < at(schema, "minLength").as<size_t>()) {
        problem(path, "shorter than minLength " + at(schema, "minLength").as<std::string>());
      }
      if (at(schema, "maxLength") && n > at(schema, "maxLength").as<size_t>()) {
        problem(path, "longer than maxLength " + at(schema, "maxLength").as<std::string>());
      }
      if (at(schema, "pattern") &&
          !std::regex_search(v.GetString(), std::regex(at(schema, "pattern").as<std::string>()))) {
        problem(path, "does not match pattern " + at(schema, "pattern").as<std::string>());
      }
    }
    if (v.IsArray()) {
      if (at(schema, "minItems") && v.Size() < at(schema, "minItems").as<size_t>()) {
        problem(path, "fewer items than minItems " + at(schema, "minItems").as<std::string>());
      }
      if (at(schema, "maxItems") && v.Size() > at(schema, "maxItems").as<size_t>()) {
        problem(path, "more items than maxItems " + at(schema, "maxItems").as<std::string>());
      }
    }
  }

  void object(const YAML::Node& schema, const rapidjson::Value& v, const std::string& path,
              const Known& siblings) {
    if (const YAML::Node required = at(schema, "required"); required.IsSequence()) {
      for (const auto& name : required) {
        if (!v.HasMember(name.as<std::string>().c_str())) {
          problem(path, "required property '" + name.as<std::string>() + "' is missing");
        }
      }
    }
    const YAML::Node props = at(schema, "properties");
    const YAML::Node extra = at(schema, "additionalProperties");
    for (const auto& member : v.GetObject()) {
      const std::string name = member.name.GetString();
      const std::string where = path + "." + name;
      if (const YAML::Node declared = at(props, name)) {
        validate(declared, member.value, where);
      } else if (extra.IsMap()) {
        validate(extra, member.value, where);
      } else if (extra.IsScalar() && extra.as<std::string>() == "true") {
        continue;
      } else if (!siblings.names.count(name) && !siblings.open) {
        problem(where, "property not documented (add it to the schema, or additionalProperties)");
      }
    }
  }

  const YAML::Node root_;
  std::vector<std::string>& problems_;
};

}  // namespace

Contract Contract::parse(const std::string& yaml_text) {
  YAML::Node root = YAML::Load(yaml_text);
  if (!root.IsMap() || !at(root, "paths").IsMap()) {
    throw std::invalid_argument("not an OpenAPI document: no paths");
  }
  return Contract(root);
}

const Contract& Contract::admin_api() {
  static const Contract contract = [] {
    std::ifstream in(ADMIN_API_YAML_PATH);
    if (!in) throw std::runtime_error(std::string("cannot read ") + ADMIN_API_YAML_PATH);
    std::stringstream text;
    text << in.rdbuf();
    return parse(text.str());
  }();
  return contract;
}

std::vector<std::pair<std::string, std::string>> Contract::operations() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& path : at(root_, "paths")) {
    for (const auto& op : path.second) {
      const std::string method = op.first.as<std::string>();
      if (kMethods.count(method)) out.emplace_back(upper(method), path.first.as<std::string>());
    }
  }
  return out;
}

std::vector<std::string> Contract::check(const std::string& method, const std::string& pattern,
                                         int status, const std::string& content_type,
                                         const std::string& body) const {
  std::vector<std::string> problems;
  const std::string route = upper(method) + " " + pattern;
  const YAML::Node op = at(at(at(root_, "paths"), pattern), lower(method));
  if (!op.IsMap()) return {route + " is not in the API description"};
  const YAML::Node responses = at(op, "responses");
  const YAML::Node documented_response = at(responses, std::to_string(status));
  if (!documented_response) {
    std::string documented;
    for (const auto& r : responses) documented += " " + r.first.as<std::string>();
    return {route + ": status " + std::to_string(status) +
            " is not documented (documented:" + documented + ")"};
  }
  Validator validator(root_, problems);
  const YAML::Node response = validator.resolve(documented_response, route);
  const YAML::Node content = at(response, "content");
  const bool json = content_type.rfind("application/json", 0) == 0;
  if (!content) {
    if (json) problems.push_back(route + " " + std::to_string(status) + ": undocumented JSON body");
    if ((status == 204 || (status >= 300 && status < 400)) && !body.empty()) {
      problems.push_back(route + " " + std::to_string(status) + ": body should be empty");
    }
    return problems;
  }
  const YAML::Node schema = at(at(content, "application/json"), "schema");
  if (!schema) return {route + ": only application/json bodies are checked"};
  if (!json) return {route + ": Content-Type is '" + content_type + "', not application/json"};
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError()) return {route + ": body is not JSON: " + body.substr(0, 200)};
  validator.validate(schema, doc, "$");
  for (auto& p : problems) p = route + " " + std::to_string(status) + " " + p;
  return problems;
}

}  // namespace hbsync::admin::testing
