// Reading API requests the way HubSpot does: JSON bodies, ids in paths,
// query flags.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <string>

#include "hbsync/http/message.hpp"
#include "properties.hpp"

namespace hbsync::sim_hubspot {

// The body as a JSON document: 415 when the Content-Type is not JSON, 400
// when it does not parse.
rapidjson::Document json_body(const http::Request& request);

// The object id path parameter ({dealId}, {companyId}, {objectId}, ...);
// 404 OBJECT_NOT_FOUND when it is not numeric, as HubSpot answers.
int64_t path_object_id(const http::Request& request, const std::string& name);

// ?name=true
bool query_flag(const http::Request& request, const std::string& name);

// An integer query parameter within [min, max]; `fallback` when absent,
// 400 when malformed or out of range.
int64_t query_int(const http::Request& request, const std::string& name, int64_t fallback,
                  int64_t min, int64_t max);

// `inputs` of a batch body: an array of at most `limit` entries (400 otherwise).
const rapidjson::Value& batch_inputs(const rapidjson::Value& body, size_t limit);

// An AssociationSpec array ([{associationCategory, associationTypeId}]) for
// `from` -> the other kind: true when it asks for the primary type (5 deal->
// company, 6 company->deal), false for the unlabeled one (341/342) alone.
// 400 for anything else: other categories, unknown or mismatched type ids.
bool primary_from_specs(ObjectKind from, const rapidjson::Value& specs);

}  // namespace hbsync::sim_hubspot
