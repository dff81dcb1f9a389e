// HubSpot JSON <-> records. Readers treat every field as optional (the
// reference says so for errors, and [O] facts vary): ids may be numbers or
// strings, property values strings, numbers or null.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hbsync/hubspot/oauth.hpp"
#include "hbsync/hubspot/records.hpp"
#include "hbsync/hubspot/result.hpp"

namespace hbsync::hubspot::json {

// category, sub_category, message (cut to 1,000 bytes on a UTF-8 boundary;
// "HTTP <status>" when absent), correlation_id. OAuth errors carry their code
// in "status" ({"status":"BAD_AUTH_CODE"}): it becomes the category.
void fill_error(Error& error, std::string_view body);
// policyName of a 429 body ("SECONDLY", "TEN_SECONDLY_ROLLING", "DAILY"), or "".
std::string policy_name(std::string_view body);

std::optional<Deal> parse_deal(std::string_view text, std::string& error);
std::optional<CrmObject> parse_object(std::string_view text, std::string& error);
std::optional<BatchResult<CrmObject>> parse_batch(std::string_view text, int status,
                                                  std::string& error);

struct Page {
  std::vector<CrmObject> objects;
  std::vector<domain::CompanyAssociation> associations;
  std::optional<std::string> next_after;
};
std::optional<Page> parse_search(std::string_view text, std::string& error);
std::optional<Page> parse_v4_associations(std::string_view text, std::string& error);

std::optional<Owner> parse_owner(std::string_view text, std::string& error);
std::optional<std::vector<Pipeline>> parse_pipelines(std::string_view text, std::string& error);
std::optional<std::vector<PropertyDefinition>> parse_properties(std::string_view text,
                                                                std::string& error);
std::optional<PropertyDefinition> parse_property(std::string_view text, std::string& error);
std::optional<Tokens> parse_tokens(std::string_view text, int64_t now_ms, std::string& error);
std::optional<TokenInfo> parse_token_info(std::string_view text, std::string& error);

// Request bodies.
std::string properties_body(const std::map<std::string, std::string>& properties);
std::string batch_update_body(const std::vector<DealUpdate>& updates, size_t from, size_t to);
std::string batch_read_body(const std::vector<std::string>& ids, size_t from, size_t to,
                            const std::vector<std::string>& properties);
std::string batch_create_body(const std::vector<std::map<std::string, std::string>>& inputs,
                              size_t from, size_t to);
std::string search_eq_body(const std::string& property, const std::string& value,
                           const std::vector<std::string>& properties, int limit,
                           const std::optional<std::string>& after);
std::string property_body(const NewProperty& property);

}  // namespace hbsync::hubspot::json
