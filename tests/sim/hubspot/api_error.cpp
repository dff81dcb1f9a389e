#include "api_error.hpp"

#include "util.hpp"

namespace hbsync::sim_hubspot {
namespace {

void write_context(JsonWriter& w, const ErrorContext& context) {
  w.StartObject();
  for (const auto& [name, values] : context) {
    key(w, name);
    w.StartArray();
    for (const auto& value : values) string(w, value);
    w.EndArray();
  }
  w.EndObject();
}

}  // namespace

http::Response to_response(const ApiError& error) {
  return http::Response::json(error.status, write_json([&](JsonWriter& w) {
                                w.StartObject();
                                key(w, "status");
                                string(w, "error");
                                key(w, "message");
                                string(w, error.what());
                                key(w, "correlationId");
                                string(w, new_correlation_id());
                                key(w, "category");
                                string(w, error.category);
                                if (!error.sub_category.empty()) {
                                  key(w, "subCategory");
                                  string(w, error.sub_category);
                                }
                                if (!error.context.empty()) {
                                  key(w, "context");
                                  write_context(w, error.context);
                                }
                                if (!error.errors.empty()) {
                                  key(w, "errors");
                                  w.StartArray();
                                  for (const ErrorDetail& detail : error.errors) {
                                    w.StartObject();
                                    key(w, "message");
                                    string(w, detail.message);
                                    if (!detail.code.empty()) {
                                      key(w, "code");
                                      string(w, detail.code);
                                    }
                                    if (!detail.in.empty()) {
                                      key(w, "in");
                                      string(w, detail.in);
                                    }
                                    if (!detail.context.empty()) {
                                      key(w, "context");
                                      write_context(w, detail.context);
                                    }
                                    w.EndObject();
                                  }
                                  w.EndArray();
                                }
                                w.EndObject();
                              }));
}

ApiError validation_error(const std::string& message) {
  return ApiError(400, "VALIDATION_ERROR", message);
}

ApiError object_not_found(const std::string& id) {
  ApiError error(404, "OBJECT_NOT_FOUND", "resource not found");
  if (!id.empty()) error.context["id"] = {id};
  return error;
}

ApiError invalid_properties(int64_t portal_id, const std::vector<InvalidProperty>& invalid) {
  std::string list = write_json([&](JsonWriter& w) {
    w.StartArray();
    for (const InvalidProperty& p : invalid) {
      w.StartObject();
      key(w, "isValid");
      w.Bool(false);
      key(w, "message");
      string(w, p.message);
      key(w, "error");
      string(w, p.error);
      key(w, "name");
      string(w, p.name);
      key(w, "localizedErrorMessage");
      string(w, p.message);
      key(w, "portalId");
      w.Int64(portal_id);
      w.EndObject();
    }
    w.EndArray();
  });
  return validation_error("Property values were not valid: " + list);
}

http::Response oauth_error(const std::string& status, const std::string& message) {
  return http::Response::json(400, write_json([&](JsonWriter& w) {
                                w.StartObject();
                                key(w, "status");
                                string(w, status);
                                key(w, "message");
                                string(w, message);
                                key(w, "correlationId");
                                string(w, new_correlation_id());
                                w.EndObject();
                              }));
}

http::Response plain_error(int status, const std::string& category, const std::string& message) {
  return to_response(ApiError(status, category, message));
}

}  // namespace hbsync::sim_hubspot
