// JSON shapes of the CRM API responses (OpenAPI: SimplePublicObject,
// Pipeline, PublicOwner, Property, MultiAssociatedObjectWithLabel).
#pragma once

#include <string>
#include <vector>

#include "hbsync/http/message.hpp"
#include "portal.hpp"
#include "util.hpp"

namespace hbsync::sim_hubspot {

// A list query parameter given as repeated keys, comma-joined, or both.
std::vector<std::string> list_param(const http::Request& request, const std::string& name);

// {id, properties, createdAt, updatedAt, archived[, archivedAt][, associations]}.
// `properties` empty: the type's default set. Unknown names are left out;
// known but unset ones are null. `associations`: v3 names ("companies").
void write_object(JsonWriter& w, const Portal& portal, const CrmObject& object,
                  const std::vector<std::string>& properties,
                  const std::vector<std::string>& associations = {});

// One v4 association target: {toObjectId, associationTypes:[...]}.
void write_association_target(JsonWriter& w, ObjectKind from, const AssociatedObject& target);
// HubSpot-defined type ids: deal->company 341 (unlabeled) / 5 (primary),
// company->deal 342 / 6.
int unlabeled_type_id(ObjectKind from);
int primary_type_id(ObjectKind from);

void write_pipeline(JsonWriter& w, const Pipeline& pipeline);
void write_stage(JsonWriter& w, const Pipeline& pipeline, const Stage& stage);
void write_owner(JsonWriter& w, const Owner& owner);
void write_property(JsonWriter& w, const Portal& portal, const PropertyDef& def);

// One entry of a batch response's `errors` array (HubSpot's StandardError):
// `context` maps `context_key` to the ids it concerns.
void write_batch_error(JsonWriter& w, const std::string& category, const std::string& sub_category,
                       const std::string& message, const std::string& context_key,
                       const std::vector<std::string>& ids);

// BatchResponse envelope timestamps.
void write_batch_times(JsonWriter& w, int64_t started_ms, int64_t completed_ms);

}  // namespace hbsync::sim_hubspot
