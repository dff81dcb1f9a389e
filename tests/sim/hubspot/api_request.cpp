#include "api_request.hpp"

#include <rapidjson/error/en.h>

#include "api_error.hpp"
#include "util.hpp"

namespace hbsync::sim_hubspot {

rapidjson::Document json_body(const http::Request& request) {
  auto type = request.headers.get("Content-Type");
  std::string_view media = type ? *type : std::string_view();
  media = media.substr(0, media.find(';'));
  while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
  if (!http::iequals(media, "application/json")) {
    throw ApiError(415, "VALIDATION_ERROR",
                   "Content-Type '" + std::string(type ? *type : "") +
                       "' is not supported; send application/json");
  }
  rapidjson::Document doc;
  doc.Parse(request.body.data(), request.body.size());
  if (doc.HasParseError()) {
    throw validation_error(std::string("Invalid input JSON: ") +
                           rapidjson::GetParseError_En(doc.GetParseError()) + " at offset " +
                           std::to_string(doc.GetErrorOffset()));
  }
  return doc;
}

int64_t path_object_id(const http::Request& request, const std::string& name) {
  std::string text = request.path_param(name).value_or("");
  auto id = parse_id(text);
  if (!id) {
    ApiError error(404, "OBJECT_NOT_FOUND", "Object not found.  objectId are usually numeric.");
    error.context["id"] = {text};
    throw error;
  }
  return *id;
}

bool query_flag(const http::Request& request, const std::string& name) {
  auto value = request.query_param(name);
  return value && http::iequals(*value, "true");
}

int64_t query_int(const http::Request& request, const std::string& name, int64_t fallback,
                  int64_t min, int64_t max) {
  auto value = request.query_param(name);
  if (!value) return fallback;
  auto parsed = parse_id(*value);
  if (!parsed || *parsed < min || *parsed > max) {
    throw validation_error(name + " must be an integer from " + std::to_string(min) + " to " +
                           std::to_string(max));
  }
  return *parsed;
}

const rapidjson::Value& batch_inputs(const rapidjson::Value& body, size_t limit) {
  if (!body.IsObject()) throw validation_error("Invalid input JSON: expected an object");
  auto it = body.FindMember("inputs");
  if (it == body.MemberEnd() || !it->value.IsArray()) {
    throw validation_error("Invalid input JSON: 'inputs' must be an array");
  }
  if (it->value.Size() > limit) {
    ApiError error =
        validation_error("Batch input limit exceeded: " + std::to_string(it->value.Size()) +
                         " inputs, at most " + std::to_string(limit) + " allowed");
    error.context["limit"] = {std::to_string(limit)};
    throw error;
  }
  return it->value;
}

bool primary_from_specs(ObjectKind from, const rapidjson::Value& specs) {
  if (!specs.IsArray() || specs.Empty()) {
    throw validation_error("association types must be a non-empty array");
  }
  int primary_type = from == ObjectKind::deal ? 5 : 6;
  int unlabeled_type = from == ObjectKind::deal ? 341 : 342;
  bool primary = false;
  for (const auto& spec : specs.GetArray()) {
    if (!spec.IsObject() || !spec.HasMember("associationCategory") ||
        !spec["associationCategory"].IsString() || !spec.HasMember("associationTypeId") ||
        !spec["associationTypeId"].IsInt()) {
      throw validation_error(
          "each association type needs associationCategory and "
          "associationTypeId");
    }
    std::string category = spec["associationCategory"].GetString();
    int type_id = spec["associationTypeId"].GetInt();
    if (category != "HUBSPOT_DEFINED") {
      throw validation_error("association category " + category + " with type " +
                             std::to_string(type_id) + " is not valid between " +
                             std::string(plural(from)) + " and " +
                             std::string(plural(other(from))));
    }
    if (type_id == primary_type) {
      primary = true;
    } else if (type_id != unlabeled_type) {
      throw validation_error("association type id " + std::to_string(type_id) +
                             " is not valid from " + std::string(singular(from)) + " to " +
                             std::string(singular(other(from))));
    }
  }
  return primary;
}

}  // namespace hbsync::sim_hubspot
