// HubSpot CRM records as the client reads and writes them
// (reference/hubspot.md). Record ids stay strings, as HubSpot sends them
// (they pass 2^31 and only ever travel back to HubSpot or into keys); v4
// association ids become numbers because domain::resolve_company compares
// them. Property values stay strings ("90000.5"): HubSpot's own type.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "hbsync/domain/company.hpp"
#include "hbsync/domain/stage_mapping.hpp"

namespace hbsync::hubspot {

// name -> value; nullopt when HubSpot sent null (unset).
using Properties = std::map<std::string, std::optional<std::string>>;

// One entry of v3 `associations=companies`: {id, type} where type is
// "deal_to_company" (primary) or "deal_to_company_unlabeled".
struct AssociationRef {
  std::string id{};
  std::string type{};
};

struct CrmObject {
  std::string id{};
  Properties properties{};
  std::string created_at{};
  std::string updated_at{};
  bool archived = false;

  // The value, or nullopt when unset or not returned.
  std::optional<std::string> property(const std::string& name) const;
};

struct Deal : CrmObject {
  std::vector<AssociationRef> companies{};  // only when asked for
};

using Company = CrmObject;

// The deal properties the sync reads (F3).
inline const std::vector<std::string>& deal_sync_properties() {
  static const std::vector<std::string> names = {"dealname", "amount",    "dealstage",
                                                 "pipeline", "closedate", "hubspot_owner_id"};
  return names;
}

struct Owner {
  std::string id{};
  std::string email{};  // personal data: never logged
  std::string first_name{};
  std::string last_name{};
  std::optional<int64_t> user_id{};
  bool archived = false;
};

struct Stage {
  std::string id{};
  std::string label{};
  int display_order = 0;
  bool archived = false;
  bool is_closed = false;     // metadata.isClosed ("true"/"false")
  std::string probability{};  // metadata.probability, as sent ("0.2")
};

struct Pipeline {
  std::string id{};
  std::string label{};
  int display_order = 0;
  bool archived = false;
  std::vector<Stage> stages{};

  // Id and labels, as tenant settings keep them (F1.3); archived stages left out.
  domain::HubSpotPipeline to_domain() const;
};

struct PropertyDefinition {
  std::string name{};
  std::string label{};
  std::string type{};        // string, number, enumeration, ...
  std::string field_type{};  // text, textarea, select, ...
  std::string group_name{};
  bool hubspot_defined = false;
  bool has_unique_value = false;  // hasUniqueValue: usable as idProperty

  // Single-line text: what the link property must be (F3.4, F6.1).
  bool single_line_text() const { return type == "string" && field_type == "text"; }
};

struct NewProperty {
  std::string name{};
  std::string label{};
  std::string type = "string";
  std::string field_type = "text";
  std::string group_name = "companyinformation";
  bool has_unique_value = false;  // hasUniqueValue (fixed once created)
};

struct PropertyCreated {
  PropertyDefinition property{};
  bool already_existed = false;  // 409, and the existing one is single-line text
};

// One error of a batch answer (207): which inputs it concerns.
struct BatchError {
  std::string status{};  // "error"
  std::string category{};
  std::string sub_category{};
  std::string message{};           // may quote values: keep out of logs
  std::vector<std::string> ids{};  // context.ids / context.id / context.fromObjectId
};

template <class T>
struct BatchResult {
  int status = 0;  // 200, 201 or 207
  std::vector<T> results{};
  std::vector<BatchError> errors{};

  bool partial() const { return !errors.empty(); }
  // Ids named by an error (207): these inputs were not applied.
  std::vector<std::string> failed_ids() const {
    std::vector<std::string> out;
    for (const auto& e : errors) out.insert(out.end(), e.ids.begin(), e.ids.end());
    return out;
  }
};

struct DealUpdate {
  std::string id{};
  std::map<std::string, std::string> properties{};  // "" clears
};
using CompanyUpdate = DealUpdate;

// Batch inputs beyond this are split into several calls (HubSpot's limit).
inline constexpr size_t kBatchLimit = 100;

}  // namespace hbsync::hubspot
