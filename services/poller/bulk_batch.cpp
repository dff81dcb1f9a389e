// One batch of the bulk company sync (bulk_companies.hpp, step 2): own
// companies found by the client id property, exact names linked, the rest
// created in one batch call.
#include <algorithm>
#include <set>

#include "bulk_run.hpp"
#include "hbsync/domain/client_mapping.hpp"
#include "hbsync/log/log.hpp"

namespace hbsync::poller {
namespace {

using domain::bulk::ClientOutcome;

domain::ClientValues values_of(const board::Client& c) {
  return {
      {domain::ClientField::name, c.name},         {domain::ClientField::name_disp, c.name_disp},
      {domain::ClientField::zip, c.zip},           {domain::ClientField::pref, c.pref},
      {domain::ClientField::address1, c.address1}, {domain::ClientField::address2, c.address2},
      {domain::ClientField::tel, c.tel},           {domain::ClientField::fax, c.fax}};
}

int64_t to_id(const std::string& text) {
  try {
    return std::stoll(text);
  } catch (const std::exception&) {
    return 0;
  }
}

ClientResult failed(int64_t client_id, std::string reason) {
  return {.client_id = client_id,
          .outcome = ClientOutcome::failed,
          .company_id = 0,
          .reason_code = std::move(reason)};
}

// Moves the items whose client ids are in `settled` out of `items`.
void drop_settled(std::vector<BulkItem>& items, const std::vector<ClientResult>& settled) {
  std::set<int64_t> ids;
  for (const auto& r : settled) ids.insert(r.client_id);
  std::erase_if(items, [&](const BulkItem& i) { return ids.count(i.client_id) > 0; });
}

}  // namespace

void BulkRun::process(const std::vector<int64_t>& batch,
                      const std::map<int64_t, board::Client>& clients) {
  std::vector<BulkItem> items;
  std::vector<ClientResult> unnamed;
  for (int64_t id : batch) {
    const board::Client& client = clients.at(id);
    auto mapped = domain::map_client_to_company(values_of(client), settings_.company_field_mapping);
    if (mapped.status != domain::MappingStatus::ok) {
      unnamed.push_back(failed(id, "missing_client_name"));
      continue;
    }
    BulkItem item{.client_id = id, .name = client.name, .properties = std::move(mapped.properties)};
    if (!settings_.hubspot.link_property.empty()) {
      item.properties[settings_.hubspot.link_property] = settings_.board.client_url_of(id);
    }
    item.properties[options_.id_property] = std::to_string(id);
    items.push_back(std::move(item));
  }
  settle(unnamed);
  settle(own_companies(items));
  checkpoint();
  settle(same_names(items));
  checkpoint();
  settle(create(items));
}

// Step a: companies an earlier attempt created (the answer lost, or killed
// before the links were recorded), found by the unique client id property.
std::vector<ClientResult> BulkRun::own_companies(std::vector<BulkItem>& items) {
  if (items.empty()) return {};
  std::vector<std::string> values;
  for (const auto& i : items) values.push_back(std::to_string(i.client_id));
  const std::string& link_property = settings_.hubspot.link_property;
  std::vector<std::string> properties = {options_.id_property};
  if (writes_url()) properties.push_back(link_property);
  auto read = portal_.batch_read_companies_by(options_.id_property, values, properties);
  if (!read) throw hubspot_stop(read.error(), "companies batch read by " + options_.id_property);
  std::vector<ClientResult> found;
  for (const auto& company : read->results) {
    const int64_t client = to_id(company.property(options_.id_property).value_or(""));
    const bool ours = std::any_of(items.begin(), items.end(),
                                  [&](const BulkItem& i) { return i.client_id == client; });
    if (!ours || client == 0) continue;
    const bool url =
        writes_url() && company.property(link_property) == settings_.board.client_url_of(client);
    found.push_back({.client_id = client,
                     .outcome = ClientOutcome::created,
                     .company_id = to_id(company.id),
                     .url_written = url});
  }
  drop_settled(items, found);
  return found;
}

// Step b: a company with exactly the client's name (one search for the
// batch) is linked; its link property and client id written.
std::vector<ClientResult> BulkRun::same_names(std::vector<BulkItem>& items) {
  if (items.empty()) return {};
  std::vector<std::string> names;
  std::vector<domain::bulk::Named> clients;
  for (const auto& i : items) {
    names.push_back(i.name);
    clients.push_back({.id = i.client_id, .name = i.name});
  }
  auto hits = portal_.search_companies_by_names(names, {"name", options_.id_property});
  if (!hits) throw hubspot_stop(hits.error(), "companies search by name");
  std::vector<domain::bulk::Named> companies;
  std::set<int64_t> taken;
  for (const auto& c : *hits) {
    const int64_t id = to_id(c.id);
    companies.push_back({.id = id, .name = c.property("name").value_or("")});
    // Another client's company (its id property set) or linked already.
    if (!c.property(options_.id_property).value_or("").empty() ||
        deps_.links.company_linked(settings_.tenant_id, id)) {
      taken.insert(id);
    }
  }
  std::vector<ClientResult> linked;
  for (const auto& m : domain::bulk::match_exact_names(clients, companies, taken)) {
    std::map<std::string, std::string> properties = {
        {options_.id_property, std::to_string(m.client_id)}};
    if (!settings_.hubspot.link_property.empty()) {
      properties[settings_.hubspot.link_property] = settings_.board.client_url_of(m.client_id);
    }
    checkpoint();
    auto updated = portal_.update_company(std::to_string(m.company_id), properties);
    if (!updated) throw hubspot_stop(updated.error(), "companies update");
    linked.push_back({.client_id = m.client_id,
                      .outcome = ClientOutcome::linked,
                      .company_id = m.company_id,
                      .url_written = writes_url()});
  }
  drop_settled(items, linked);
  return linked;
}

// Step c: one batch create for the rest. Results are matched to clients by
// the client id property (HubSpot does not promise the input order).
std::vector<ClientResult> BulkRun::create(std::vector<BulkItem>& items) {
  if (items.empty()) return {};
  std::vector<std::map<std::string, std::string>> inputs;
  for (const auto& i : items) inputs.push_back(i.properties);
  auto created = portal_.batch_create_companies(inputs);
  if (!created) {
    const auto& e = created.error();
    // The answer was lost: step a of the resumed run finds what was made.
    if (e.maybe_applied || e.retryable()) throw hubspot_stop(e, "companies batch create");
    if (e.kind != hubspot::Error::validation) throw hubspot_stop(e, "companies batch create");
    // HubSpot refuses a whole batch for one bad input: find which.
    return create_one_by_one(items);
  }
  return created_from(*created, items);
}

std::vector<ClientResult> BulkRun::create_one_by_one(const std::vector<BulkItem>& items) {
  std::vector<ClientResult> results;
  for (const auto& item : items) {
    checkpoint();
    auto created = portal_.batch_create_companies({item.properties});
    if (created) {
      auto one = created_from(*created, {item});
      results.insert(results.end(), one.begin(), one.end());
      continue;
    }
    const auto& e = created.error();
    if (e.maybe_applied || e.retryable() || e.kind != hubspot::Error::validation) {
      settle(results);
      throw hubspot_stop(e, "companies batch create");
    }
    results.push_back(failed(item.client_id, "hubspot_refused"));
  }
  return results;
}

std::vector<ClientResult> BulkRun::created_from(
    const hubspot::BatchResult<hubspot::Company>& result, const std::vector<BulkItem>& items) {
  std::vector<ClientResult> results;
  std::set<int64_t> done;
  for (const auto& company : result.results) {
    const int64_t client = to_id(company.property(options_.id_property).value_or(""));
    if (client == 0 || !done.insert(client).second) continue;
    results.push_back({.client_id = client,
                       .outcome = ClientOutcome::created,
                       .company_id = to_id(company.id),
                       .url_written = writes_url()});
  }
  for (const auto& item : items) {
    if (done.count(item.client_id) == 0)
      results.push_back(failed(item.client_id, "hubspot_refused"));
  }
  return results;
}

void BulkRun::settle(const std::vector<ClientResult>& results) {
  if (results.empty()) return;
  const std::vector<ClientResult> counted = progress_.record(results);
  for (const auto& r : counted) {
    if (r.outcome == ClientOutcome::skipped) continue;
    deps_.history.record(settings_.tenant_id,
                         {.direction = std::string(history::direction::board_to_hubspot),
                          .action = std::string(domain::bulk::to_string(r.outcome)),
                          .company_id = r.company_id,
                          .client_id = r.client_id,
                          .reason_code = r.reason_code,
                          .message = r.outcome == ClientOutcome::failed
                                         ? "bulk company sync: HubSpot company not made"
                                     : r.outcome == ClientOutcome::linked
                                         ? "bulk company sync: company with the same name linked"
                                         : "bulk company sync: company created",
                          .attempts = 1,
                          .command_id = "bulk:companies:" + run_id_});
  }
  for (const auto& r : results) {
    if (r.company_id == 0 || r.outcome == ClientOutcome::skipped) continue;
    deps_.links.link(settings_.tenant_id, r.company_id, r.client_id, r.url_written);
  }
}

}  // namespace hbsync::poller
