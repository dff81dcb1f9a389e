// The company operations of the F5 bulk sync (services/poller): batch read by
// a unique property and exact-name search for many names at once.
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <set>

#include "hbsync/hubspot/api.hpp"
#include "json.hpp"

namespace hbsync::hubspot {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

constexpr int kMaxPages = 1000;
// Names per search request: one batch of the bulk sync.
constexpr size_t kNamesPerSearch = 100;
constexpr int kSearchLimit = 200;  // HubSpot's largest page

Error unreadable(const std::string& why, int status) {
  return Error{.kind = Error::server, .status = status, .message = why, .attempts = 1};
}

void strings(Writer& w, const std::vector<std::string>& items, size_t from, size_t to) {
  w.StartArray();
  for (size_t i = from; i < to; ++i) {
    w.String(items[i].c_str(), static_cast<rapidjson::SizeType>(items[i].size()));
  }
  w.EndArray();
}

std::string read_by_body(const std::string& id_property, const std::vector<std::string>& values,
                         size_t from, size_t to, const std::vector<std::string>& properties) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  w.Key("idProperty");
  w.String(id_property.c_str(), static_cast<rapidjson::SizeType>(id_property.size()));
  w.Key("properties");
  strings(w, properties, 0, properties.size());
  w.Key("propertiesWithHistory");
  w.StartArray();
  w.EndArray();
  w.Key("inputs");
  w.StartArray();
  for (size_t i = from; i < to; ++i) {
    w.StartObject();
    w.Key("id");
    w.String(values[i].c_str(), static_cast<rapidjson::SizeType>(values[i].size()));
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

// HubSpot: "values for IN and NOT_IN with string properties must be lower
// case". ASCII only: what its index folds for the names we compare.
std::string lower_ascii(std::string text) {
  for (char& c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return text;
}

std::string search_in_body(const std::vector<std::string>& values,
                           const std::vector<std::string>& properties,
                           const std::optional<std::string>& after) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  w.Key("filterGroups");
  w.StartArray();
  w.StartObject();
  w.Key("filters");
  w.StartArray();
  w.StartObject();
  w.Key("propertyName");
  w.String("name");
  w.Key("operator");
  w.String("IN");
  w.Key("values");
  strings(w, values, 0, values.size());
  w.EndObject();
  w.EndArray();
  w.EndObject();
  w.EndArray();
  w.Key("properties");
  strings(w, properties, 0, properties.size());
  w.Key("limit");
  w.Int(kSearchLimit);
  if (after) {
    w.Key("after");
    w.String(after->c_str());
  }
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace

Result<BatchResult<Company>> Portal::batch_read_companies_by(
    const std::string& id_property, const std::vector<std::string>& values,
    const std::vector<std::string>& properties) {
  BatchResult<Company> all;
  for (size_t from = 0; from < values.size(); from += kBatchLimit) {
    const size_t to = std::min(values.size(), from + kBatchLimit);
    Result<http::ClientResponse> response =
        run(Api::Call{.operation = Operation::companies_batch_read,
                      .method = "POST",
                      .path = "/crm/v3/objects/companies/batch/read",
                      .json_body = read_by_body(id_property, values, from, to, properties)});
    if (!response) return response.error();
    std::string why;
    auto part = json::parse_batch(response->body, response->status, why);
    if (!part) return unreadable(why, response->status);
    if (all.status != 207) all.status = response->status;
    std::move(part->results.begin(), part->results.end(), std::back_inserter(all.results));
    std::move(part->errors.begin(), part->errors.end(), std::back_inserter(all.errors));
  }
  if (all.status == 0) all.status = 200;
  return all;
}

Result<std::vector<Company>> Portal::search_companies_by_names(
    const std::vector<std::string>& names, const std::vector<std::string>& properties) {
  std::vector<std::string> wanted = properties;
  if (std::find(wanted.begin(), wanted.end(), "name") == wanted.end()) wanted.push_back("name");
  const std::set<std::string> exact(names.begin(), names.end());
  std::vector<std::string> folded;
  for (const auto& n : exact) folded.push_back(lower_ascii(n));
  std::sort(folded.begin(), folded.end());
  folded.erase(std::unique(folded.begin(), folded.end()), folded.end());

  std::vector<Company> matches;
  for (size_t from = 0; from < folded.size(); from += kNamesPerSearch) {
    const std::vector<std::string> chunk(
        folded.begin() + static_cast<std::ptrdiff_t>(from),
        folded.begin() +
            static_cast<std::ptrdiff_t>(std::min(folded.size(), from + kNamesPerSearch)));
    std::optional<std::string> after;
    for (int page = 0;; ++page) {
      if (page == kMaxPages) return unreadable("HubSpot kept returning search pages", 200);
      Result<http::ClientResponse> response =
          run(Api::Call{.operation = Operation::companies_search,
                        .method = "POST",
                        .path = "/crm/v3/objects/companies/search",
                        .json_body = search_in_body(chunk, wanted, after),
                        .search = true});
      if (!response) return response.error();
      std::string why;
      auto parsed = json::parse_search(response->body, why);
      if (!parsed) return unreadable(why, response->status);
      for (auto& o : parsed->objects) {
        auto name = o.property("name");
        if (name && exact.count(*name) > 0) matches.push_back(std::move(o));
      }
      if (!parsed->next_after) break;
      after = parsed->next_after;
    }
  }
  return matches;
}

}  // namespace hbsync::hubspot
