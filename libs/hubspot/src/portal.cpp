// The CRM operations of one portal: paths, paging, batch splitting and
// response parsing around Api::execute.
#include <algorithm>

#include "hbsync/hubspot/api.hpp"
#include "json.hpp"

namespace hbsync::hubspot {

namespace {

using http::QueryParams;

// Guards every paging loop against a server that never stops handing out
// `after` cursors.
constexpr int kMaxPages = 1000;

Error unreadable(const std::string& why, int status) {
  return Error{.kind = Error::server, .status = status, .message = why, .attempts = 1};
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += ",";
    out += n;
  }
  return out;
}

template <class T, class Parse>
Result<T> one_of(Result<http::ClientResponse> response, Parse parse) {
  if (!response) return response.error();
  std::string why;
  auto value = parse(response->body, why);
  if (!value) return unreadable(why, response->status);
  return std::move(*value);
}

template <class Make>
Result<BatchResult<CrmObject>> batched(size_t count, Make make) {
  BatchResult<CrmObject> all;
  for (size_t from = 0; from < count; from += kBatchLimit) {
    const size_t to = std::min(count, from + kBatchLimit);
    Result<http::ClientResponse> response = make(from, to);
    if (!response) return response.error();
    std::string why;
    auto part = json::parse_batch(response->body, response->status, why);
    if (!part) return unreadable(why, response->status);
    // The combined status says the worst that happened: 207 if any part was partial.
    if (all.status != 207) all.status = response->status;
    std::move(part->results.begin(), part->results.end(), std::back_inserter(all.results));
    std::move(part->errors.begin(), part->errors.end(), std::back_inserter(all.errors));
  }
  if (all.status == 0) all.status = 200;
  return all;
}

}  // namespace

Result<Deal> Portal::get_deal(const std::string& id, const std::vector<std::string>& properties) {
  const auto& names = properties.empty() ? deal_sync_properties() : properties;
  Api::Call call{.operation = Operation::deals_get,
                 .path = "/crm/v3/objects/deals/" + http::url_encode(id),
                 .query = {{"properties", joined(names)}, {"associations", "companies"}}};
  return one_of<Deal>(run(call), json::parse_deal);
}

Result<Deal> Portal::update_deal(const std::string& id,
                                 const std::map<std::string, std::string>& properties) {
  Api::Call call{.operation = Operation::deals_update,
                 .method = "PATCH",
                 .path = "/crm/v3/objects/deals/" + http::url_encode(id),
                 .json_body = json::properties_body(properties)};
  return one_of<Deal>(run(call), json::parse_deal);
}

Result<BatchResult<Deal>> Portal::batch_update_deals(const std::vector<DealUpdate>& updates) {
  auto result = batched(updates.size(), [&](size_t from, size_t to) {
    return run(Api::Call{.operation = Operation::deals_batch_update,
                         .method = "POST",
                         .path = "/crm/v3/objects/deals/batch/update",
                         .json_body = json::batch_update_body(updates, from, to)});
  });
  if (!result) return result.error();
  BatchResult<Deal> out{
      .status = result->status, .results = {}, .errors = std::move(result->errors)};
  for (auto& o : result->results) {
    Deal d;
    static_cast<CrmObject&>(d) = std::move(o);
    out.results.push_back(std::move(d));
  }
  return out;
}

Result<std::vector<domain::CompanyAssociation>> Portal::deal_companies(const std::string& deal_id) {
  std::vector<domain::CompanyAssociation> all;
  std::optional<std::string> after;
  for (int page = 0; page < kMaxPages; ++page) {
    QueryParams query = {{"limit", "500"}};
    if (after) query.emplace_back("after", *after);
    Result<http::ClientResponse> response = run(Api::Call{
        .operation = Operation::deal_companies_list,
        .path = "/crm/v4/objects/deals/" + http::url_encode(deal_id) + "/associations/companies",
        .query = std::move(query)});
    if (!response) return response.error();
    std::string why;
    auto parsed = json::parse_v4_associations(response->body, why);
    if (!parsed) return unreadable(why, response->status);
    std::move(parsed->associations.begin(), parsed->associations.end(), std::back_inserter(all));
    if (!parsed->next_after) return all;
    after = parsed->next_after;
  }
  return unreadable("HubSpot kept returning association pages", 200);
}

Result<Company> Portal::get_company(const std::string& id,
                                    const std::vector<std::string>& properties) {
  Api::Call call{.operation = Operation::companies_get,
                 .path = "/crm/v3/objects/companies/" + http::url_encode(id)};
  if (!properties.empty()) call.query.emplace_back("properties", joined(properties));
  return one_of<Company>(run(call), json::parse_object);
}

Result<BatchResult<Company>> Portal::batch_read_companies(
    const std::vector<std::string>& ids, const std::vector<std::string>& properties) {
  return batched(ids.size(), [&](size_t from, size_t to) {
    return run(Api::Call{.operation = Operation::companies_batch_read,
                         .method = "POST",
                         .path = "/crm/v3/objects/companies/batch/read",
                         .json_body = json::batch_read_body(ids, from, to, properties)});
  });
}

Result<Company> Portal::update_company(const std::string& id,
                                       const std::map<std::string, std::string>& properties) {
  Api::Call call{.operation = Operation::companies_update,
                 .method = "PATCH",
                 .path = "/crm/v3/objects/companies/" + http::url_encode(id),
                 .json_body = json::properties_body(properties)};
  return one_of<Company>(run(call), json::parse_object);
}

Result<std::vector<Company>> Portal::search_companies_by_name(
    const std::string& name, const std::vector<std::string>& properties) {
  std::vector<std::string> names = properties;
  if (std::find(names.begin(), names.end(), "name") == names.end()) names.push_back("name");
  std::vector<Company> matches;
  std::optional<std::string> after;
  for (int page = 0; page < kMaxPages; ++page) {
    Result<http::ClientResponse> response =
        run(Api::Call{.operation = Operation::companies_search,
                      .method = "POST",
                      .path = "/crm/v3/objects/companies/search",
                      .json_body = json::search_eq_body("name", name, names, 200, after),
                      .search = true});
    if (!response) return response.error();
    std::string why;
    auto parsed = json::parse_search(response->body, why);
    if (!parsed) return unreadable(why, response->status);
    for (auto& o : parsed->objects) {
      if (o.property("name") == name) matches.push_back(std::move(o));
    }
    if (!parsed->next_after) return matches;
    after = parsed->next_after;
  }
  return unreadable("HubSpot kept returning search pages", 200);
}

Result<BatchResult<Company>> Portal::batch_create_companies(
    const std::vector<std::map<std::string, std::string>>& inputs) {
  return batched(inputs.size(), [&](size_t from, size_t to) {
    return run(Api::Call{.operation = Operation::companies_batch_create,
                         .method = "POST",
                         .path = "/crm/v3/objects/companies/batch/create",
                         .json_body = json::batch_create_body(inputs, from, to),
                         .creates = true});
  });
}

Result<Owner> Portal::get_owner(const std::string& owner_id) {
  return one_of<Owner>(run(Api::Call{.operation = Operation::owners_get,
                                     .path = "/crm/v3/owners/" + http::url_encode(owner_id)}),
                       json::parse_owner);
}

Result<std::vector<Pipeline>> Portal::deal_pipelines() {
  return one_of<std::vector<Pipeline>>(
      run(Api::Call{.operation = Operation::pipelines_list, .path = "/crm/v3/pipelines/deals"}),
      json::parse_pipelines);
}

Result<std::vector<PropertyDefinition>> Portal::company_properties() {
  return one_of<std::vector<PropertyDefinition>>(
      run(Api::Call{.operation = Operation::properties_list,
                    .path = "/crm/v3/properties/companies"}),
      json::parse_properties);
}

Result<PropertyCreated> Portal::create_company_property(const NewProperty& property) {
  Result<http::ClientResponse> response = run(Api::Call{.operation = Operation::properties_create,
                                                        .method = "POST",
                                                        .path = "/crm/v3/properties/companies",
                                                        .json_body = json::property_body(property),
                                                        .creates = true});
  if (response) {
    std::string why;
    auto created = json::parse_property(response->body, why);
    if (!created) return unreadable(why, response->status);
    return PropertyCreated{.property = std::move(*created), .already_existed = false};
  }
  if (response.error().kind != Error::conflict) return response.error();
  // Someone (an earlier run, another replica, the admin) made it already:
  // fine if it can hold the link, a conflict the admin must resolve if not.
  Result<std::vector<PropertyDefinition>> all = company_properties();
  if (!all) return all.error();
  for (auto& p : *all) {
    if (p.name != property.name) continue;
    if (p.single_line_text()) {
      return PropertyCreated{.property = std::move(p), .already_existed = true};
    }
    Error e = response.error();
    e.message = "property " + property.name + " exists and is not single-line text";
    return e;
  }
  return response.error();
}

}  // namespace hbsync::hubspot
