// Use case: the board client of a deal's company (SPEC F3.3, F3.4): the
// linked one, else, under the company lock, one with exactly the company's
// name, else a new one; then the HubSpot link property.
#include <optional>
#include <thread>

#include "hbsync/domain/client_mapping.hpp"
#include "job.hpp"

namespace hbsync::writer {
namespace {

namespace action = history::action;

std::string client_url(const tenant::Settings& s, int64_t client_id) {
  std::string url = s.board.client_url;
  const std::string id = std::to_string(client_id);
  for (size_t pos = url.find("{id}"); pos != std::string::npos; pos = url.find("{id}")) {
    url.replace(pos, 4, id);
  }
  return url;
}

board::ClientFields to_client_fields(const std::map<domain::ClientField, std::string>& fields) {
  board::ClientFields out;
  for (const auto& [field, value] : fields) {
    switch (field) {
      case domain::ClientField::name:
        out.name = value;
        break;
      case domain::ClientField::name_disp:
        out.name_disp = value;
        break;
      case domain::ClientField::zip:
        out.zip = value;
        break;
      case domain::ClientField::pref:
        out.pref = value;
        break;
      case domain::ClientField::address1:
        out.address1 = value;
        break;
      case domain::ClientField::address2:
        out.address2 = value;
        break;
      case domain::ClientField::tel:
        out.tel = value;
        break;
      case domain::ClientField::fax:
        out.fax = value;
        break;
    }
  }
  return out;
}

// The outcome when the company is linked already (its client in client_id).
std::optional<Outcome> linked_client(Job& job, int64_t company_id, int64_t& client_id) {
  auto link = job.links.company_link(job.tenant(), company_id);
  if (!link) return std::nullopt;
  client_id = link->client_id;
  if (!link->url_written) return write_link_property(job, company_id, client_id);
  return Outcome{};
}

// Waits (up to lock_wait) for the company lock, unless another writer links
// the company meanwhile (then `linked` holds that outcome).
Outcome lock_company(Job& job, int64_t company_id, int64_t& client_id,
                     std::optional<Outcome>& linked) {
  const auto deadline = std::chrono::steady_clock::now() + job.lock_wait;
  while (!job.state.try_lock_company(job.tenant(), company_id, job.owner)) {
    if ((linked = linked_client(job, company_id, client_id))) return {};
    if (std::chrono::steady_clock::now() > deadline) {
      return retry(Reason::company_busy,
                   "company " + std::to_string(company_id) + " is being linked by another writer");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  job.locked_company = company_id;
  job.keeper.hold_lock(job.tenant(), company_id);
  return {};
}

// Releases the company lock lock_company() took, when the use case ends.
struct Unlock {
  Job& job;
  ~Unlock() {
    if (job.locked_company == 0) return;
    job.keeper.drop_lock();
    try {
      job.state.unlock_company(job.tenant(), job.locked_company, job.owner);
    } catch (const std::exception&) {
      // The lock's lease runs out by itself.
    }
    job.locked_company = 0;
  }
};

// The company's client fields, mapped from its HubSpot properties.
Outcome client_fields(Job& job, int64_t company_id, domain::ClientMapping& mapped) {
  const auto& mapping = job.settings.company_field_mapping;
  auto company = job.hubspot.get_company(std::to_string(company_id), mapping.hubspot_properties());
  if (!company) {
    if (company.error().kind == hubspot::Error::not_found) {
      return failed(Reason::company_not_found,
                    "HubSpot company " + std::to_string(company_id) + " not found");
    }
    return hubspot_failure(company.error(), "companies.get");
  }
  domain::PropertyMap props;
  for (const auto& [k, v] : company->properties) props.emplace(k, v);
  mapped = domain::map_company_to_client(props, mapping);
  if (mapped.status != domain::MappingStatus::ok) {
    Outcome o = failed(Reason::mapping_failed,
                       "HubSpot company " + std::to_string(company_id) + " has no name");
    o.detail = std::string(domain::reason_code(mapped.status));
    return o;
  }
  return {};
}

// F3.3: a client with exactly this name is linked, not created again.
Outcome find_exact(Job& job, const std::string& name, std::optional<int64_t>& found) {
  auto listed = job.board.list_all_clients({.name_cont = name});
  if (!listed) return board_failure(listed.error(), "GET /v1/clients");
  for (const auto& c : *listed) {
    if (c.name == name && (!found || c.id < *found)) found = c.id;
  }
  return {};
}

// Linking the tenant's first company (its first deal) or another one, for
// the sync latency; a Redis failure here only makes it `company`.
FirstDeal first_deal_of(Job& job) {
  try {
    return job.links.linked_companies(job.tenant()) == 1 ? FirstDeal::tenant : FirstDeal::company;
  } catch (const std::exception&) {
    return FirstDeal::company;
  }
}

Outcome find_or_create(Job& job, const domain::ClientMapping& mapped,
                       std::optional<int64_t>& found) {
  const std::string& name = mapped.fields.at(domain::ClientField::name);
  if (auto o = find_exact(job, name, found); o.kind != Outcome::done || found) return o;
  auto created = job.board.create_client(to_client_fields(mapped.fields));
  if (created) {
    found = created->id;
  } else if (created.error().maybe_applied) {
    if (auto o = find_exact(job, name, found); o.kind != Outcome::done) return o;
    if (!found) return retry(Reason::board_create_unconfirmed, "POST /v1/clients answer lost");
  } else {
    return board_failure(created.error(), "POST /v1/clients");
  }
  job.client_created = true;
  return {};
}

}  // namespace

Outcome ensure_client(Job& job, int64_t company_id, int64_t& client_id) {
  if (auto linked = linked_client(job, company_id, client_id)) return *linked;
  // One writer at a time finds or creates a company's client.
  std::optional<Outcome> linked;
  if (auto o = lock_company(job, company_id, client_id, linked); o.kind != Outcome::done) return o;
  if (linked) return *linked;
  Unlock unlock{job};
  if (auto linked_now = linked_client(job, company_id, client_id)) return *linked_now;

  domain::ClientMapping mapped;
  if (auto o = client_fields(job, company_id, mapped); o.kind != Outcome::done) return o;
  std::optional<int64_t> found;
  if (auto o = find_or_create(job, mapped, found); o.kind != Outcome::done) return o;
  client_id = *found;
  job.keeper.check();  // the link is written by the claim's holder only
  job.links.link_company(job.tenant(), company_id, {.client_id = client_id, .url_written = false});
  job.first_deal = first_deal_of(job);
  const std::string_view what = job.client_created ? action::created : action::linked;
  job.record({.action = std::string(what),
              .company_id = company_id,
              .client_id = client_id,
              .message = job.client_created ? "board client created"
                                            : "existing board client with the same name linked"});
  return write_link_property(job, company_id, client_id);
}

// F3.4: the company's link property (the board client's URL) in HubSpot.
Outcome write_link_property(Job& job, int64_t company_id, int64_t client_id) {
  const auto& property = job.settings.hubspot.link_property;
  if (property.empty()) return {};
  auto updated = job.hubspot.update_company(std::to_string(company_id),
                                            {{property, client_url(job.settings, client_id)}});
  if (!updated) {
    auto o = hubspot_failure(updated.error(), "companies.update");
    if (o.kind == Outcome::retry) return o;
    // The deal still syncs; the property is tried again with the company's
    // next deal, and the failure shows in the history.
    job.record({.action = std::string(action::failed),
                .company_id = company_id,
                .client_id = client_id,
                .reason_code = "link_property_" + o.code(),
                .message = o.message});
    return {};
  }
  job.links.link_company(job.tenant(), company_id, {.client_id = client_id, .url_written = true});
  return {};
}

}  // namespace hbsync::writer
