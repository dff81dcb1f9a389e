// HubSpot's error bodies. Handlers throw ApiError deep in validation; the
// route wrapper turns it into the response, so every error has the same shape:
// {status:"error", message, correlationId, category, subCategory?, context?,
//  errors?:[{message, code?, in?, context?}]} (reference/hubspot.md, "Errors").
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "hbsync/http/message.hpp"

namespace hbsync::sim_hubspot {

using ErrorContext = std::map<std::string, std::vector<std::string>>;

struct ErrorDetail {
  std::string message;
  std::string code;
  std::string in;
  ErrorContext context;
};

class ApiError : public std::runtime_error {
 public:
  ApiError(int status, std::string category, const std::string& message)
      : std::runtime_error(message), status(status), category(std::move(category)) {}

  int status;
  std::string category;
  std::string sub_category;
  ErrorContext context;
  std::vector<ErrorDetail> errors;
};

http::Response to_response(const ApiError& error);

// The common ones.
ApiError validation_error(const std::string& message);
ApiError object_not_found(const std::string& id);
// 400 "Property values were not valid: [...]" as HubSpot words it: the list
// is JSON text inside the message, one entry per rejected property.
struct InvalidProperty {
  std::string name;
  std::string error;  // PROPERTY_DOESNT_EXIST, INVALID_OPTION, INVALID_DECIMAL, ...
  std::string message;
};
ApiError invalid_properties(int64_t portal_id, const std::vector<InvalidProperty>& invalid);

// Errors in the older OAuth format: {status:"BAD_AUTH_CODE", message, correlationId}.
http::Response oauth_error(const std::string& status, const std::string& message);

// {status:"error", message, correlationId, category} for any status (injected
// faults, 5xx).
http::Response plain_error(int status, const std::string& category, const std::string& message);

}  // namespace hbsync::sim_hubspot
