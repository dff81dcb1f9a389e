#include "json.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "hbsync/json/lenient.hpp"
#include "hbsync/json/parse.hpp"

namespace hbsync::hubspot::json {

namespace {

using rapidjson::Value;
using Writer = rapidjson::Writer<rapidjson::StringBuffer>;
namespace lenient = hbsync::json::lenient;

using lenient::int_of;
using lenient::member;

// HubSpot property values may be booleans: they read as "true"/"false".
std::optional<std::string> text_of(const Value* v) {
  return lenient::text_of(v, lenient::Bools::as_text);
}

std::string str(const Value& o, const char* name) {
  return lenient::str(o, name, lenient::Bools::as_text);
}

bool flag(const Value& o, const char* name) {
  return lenient::bool_of(member(o, name)).value_or(false);
}

bool parse_doc(rapidjson::Document& doc, std::string_view text, std::string& error) {
  if (auto status = hbsync::json::parse(doc, text); !status) {
    error = "HubSpot answered with text that is not JSON (" + status.describe() + ")";
    return false;
  }
  return true;
}

CrmObject object_of(const Value& v) {
  CrmObject o;
  o.id = str(v, "id");
  if (const Value* props = member(v, "properties"); props && props->IsObject()) {
    for (auto& m : props->GetObject()) {
      o.properties[std::string(m.name.GetString(), m.name.GetStringLength())] =
          m.value.IsNull() ? std::nullopt : text_of(&m.value);
    }
  }
  o.created_at = str(v, "createdAt");
  o.updated_at = str(v, "updatedAt");
  o.archived = flag(v, "archived");
  return o;
}

std::optional<std::string> next_after(const Value& doc) {
  const Value* paging = member(doc, "paging");
  const Value* next = paging ? member(*paging, "next") : nullptr;
  if (!next) return std::nullopt;
  auto after = text_of(member(*next, "after"));
  if (after && after->empty()) return std::nullopt;
  return after;
}

std::string cut(std::string text) {
  return lenient::cut_utf8(std::move(text), 1000);
}

void write_string_map(Writer& w, const std::map<std::string, std::string>& m) {
  w.StartObject();
  for (const auto& [k, v] : m) {
    w.Key(k.c_str(), static_cast<rapidjson::SizeType>(k.size()));
    w.String(v.c_str(), static_cast<rapidjson::SizeType>(v.size()));
  }
  w.EndObject();
}

void write_strings(Writer& w, const std::vector<std::string>& items) {
  w.StartArray();
  for (const auto& s : items) w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
  w.EndArray();
}

std::string done(rapidjson::StringBuffer& buffer) {
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace

void fill_error(Error& error, std::string_view body) {
  rapidjson::Document doc;
  if (hbsync::json::parse(doc, body) && doc.IsObject()) {
    error.category = str(doc, "category");
    error.sub_category = str(doc, "subCategory");
    error.message = cut(str(doc, "message"));
    error.correlation_id = str(doc, "correlationId");
    const std::string status = str(doc, "status");
    if (error.category.empty() && !status.empty() && status != "error") error.category = status;
    if (error.category.empty()) error.category = str(doc, "errorType");
  }
  if (error.message.empty()) error.message = "HTTP " + std::to_string(error.status);
}

std::string policy_name(std::string_view body) {
  rapidjson::Document doc;
  if (!hbsync::json::parse(doc, body)) return "";
  return str(doc, "policyName");
}

std::optional<CrmObject> parse_object(std::string_view text, std::string& error) {
  rapidjson::Document doc;
  if (!parse_doc(doc, text, error)) return std::nullopt;
  if (!doc.IsObject() || str(doc, "id").empty()) {
    error = "HubSpot record without an id";
    return std::nullopt;
  }
  return object_of(doc);
}

std::optional<Deal> parse_deal(std::string_view text, std::string& error) {
  rapidjson::Document doc;
  if (!parse_doc(doc, text, error)) return std::nullopt;
  if (!doc.IsObject() || str(doc, "id").empty()) {
    error = "HubSpot deal without an id";
    return std::nullopt;
  }
  Deal deal;
  static_cast<CrmObject&>(deal) = object_of(doc);
  const Value* assoc = member(doc, "associations");
  const Value* companies = assoc ? member(*assoc, "companies") : nullptr;
  const Value* results = companies ? member(*companies, "results") : nullptr;
  if (results && results->IsArray()) {
    for (const Value& r : results->GetArray()) {
      deal.companies.push_back({str(r, "id"), str(r, "type")});
    }
  }
  return deal;
}

std::optional<BatchResult<CrmObject>> parse_batch(std::string_view text, int status,
                                                  std::string& error) {
  rapidjson::Document doc;
  if (!parse_doc(doc, text, error)) return std::nullopt;
  if (!doc.IsObject()) {
    error = "HubSpot batch answer is not an object";
    return std::nullopt;
  }
  BatchResult<CrmObject> out;
  out.status = status;
  if (const Value* results = member(doc, "results"); results && results->IsArray()) {
    for (const Value& r : results->GetArray()) out.results.push_back(object_of(r));
  }
  if (const Value* errors = member(doc, "errors"); errors && errors->IsArray()) {
    for (const Value& e : errors->GetArray()) {
      BatchError be{.status = str(e, "status"),
                    .category = str(e, "category"),
                    .sub_category = str(e, "subCategory"),
                    .message = cut(str(e, "message"))};
      if (const Value* context = member(e, "context"); context && context->IsObject()) {
        for (const char* name : {"ids", "id", "fromObjectId"}) {
          const Value* ids = member(*context, name);
          if (!ids) continue;
          if (ids->IsArray()) {
            for (const Value& id : ids->GetArray()) {
              if (auto t = text_of(&id)) be.ids.push_back(*t);
            }
          } else if (auto t = text_of(ids)) {
            be.ids.push_back(*t);
          }
        }
      }
      out.errors.push_back(std::move(be));
    }
  }
  return out;
}

std::optional<Page> parse_search(std::string_view text, std::string& error) {
  rapidjson::Document doc;
  if (!parse_doc(doc, text, error)) return std::nullopt;
  Page page;
  if (const Value* results = member(doc, "results"); results && results->IsArray()) {
    for (const Value& r : results->GetArray()) page.objects.push_back(object_of(r));
  }
  page.next_after = next_after(doc);
  return page;
}

std::optional<Page> parse_v4_associations(std::string_view text, std::string& error) {
  rapidjson::Document doc;
  if (!parse_doc(doc, text, error)) return std::nullopt;
  Page page;
  if (const Value* results = member(doc, "results"); results && results->IsArray()) {
    for (const Value& r : results->GetArray()) {
      // toObjectId is a number on the wire although the OpenAPI file says string.
      auto id = int_of(member(r, "toObjectId"));
      if (!id) continue;
      domain::CompanyAssociation a{.company_id = *id, .type_ids = {}};
      if (const Value* types = member(r, "associationTypes"); types && types->IsArray()) {
        for (const Value& t : types->GetArray()) {
          if (auto type_id = int_of(member(t, "typeId"))) {
            a.type_ids.push_back(static_cast<int>(*type_id));
          }
        }
      }
      page.associations.push_back(std::move(a));
    }
  }
  page.next_after = next_after(doc);
  return page;
}

std::optional<Owner> parse_owner(std::string_view text, std::string& error) {
  rapidjson::Document doc;
  if (!parse_doc(doc, text, error)) return std::nullopt;
  if (!doc.IsObject() || str(doc, "id").empty()) {
    error = "HubSpot owner without an id";
    return std::nullopt;
  }
  return Owner{.id = str(doc, "id"),
               .email = str(doc, "email"),
               .first_name = str(doc, "firstName"),
               .last_name = str(doc, "lastName"),
               .user_id = int_of(member(doc, "userId")),
               .archived = flag(doc, "archived")};
}

std::optional<std::vector<Pipeline>> parse_pipelines(std::string_view text, std::string& error) {
  rapidjson::Document doc;
  if (!parse_doc(doc, text, error)) return std::nullopt;
  const Value* results = member(doc, "results");
  if (!results || !results->IsArray()) {
    error = "HubSpot pipelines answer without results";
    return std::nullopt;
  }
  std::vector<Pipeline> out;
  for (const Value& p : results->GetArray()) {
    Pipeline pipeline{
        .id = str(p, "id"),
        .label = str(p, "label"),
        .display_order = static_cast<int>(int_of(member(p, "displayOrder")).value_or(0)),
        .archived = flag(p, "archived")};
    if (const Value* stages = member(p, "stages"); stages && stages->IsArray()) {
      for (const Value& s : stages->GetArray()) {
        Stage stage{
            .id = str(s, "id"),
            .label = str(s, "label"),
            .display_order = static_cast<int>(int_of(member(s, "displayOrder")).value_or(0)),
            .archived = flag(s, "archived")};
        if (const Value* meta = member(s, "metadata")) {
          stage.is_closed = flag(*meta, "isClosed");
          stage.probability = str(*meta, "probability");
        }
        pipeline.stages.push_back(std::move(stage));
      }
    }
    out.push_back(std::move(pipeline));
  }
  return out;
}

namespace {
PropertyDefinition property_of(const Value& v) {
  return PropertyDefinition{.name = str(v, "name"),
                            .label = str(v, "label"),
                            .type = str(v, "type"),
                            .field_type = str(v, "fieldType"),
                            .group_name = str(v, "groupName"),
                            .hubspot_defined = flag(v, "hubspotDefined"),
                            .has_unique_value = flag(v, "hasUniqueValue")};
}
}  // namespace

std::optional<std::vector<PropertyDefinition>> parse_properties(std::string_view text,
                                                                std::string& error) {
  rapidjson::Document doc;
  if (!parse_doc(doc, text, error)) return std::nullopt;
  const Value* results = member(doc, "results");
  if (!results || !results->IsArray()) {
    error = "HubSpot properties answer without results";
    return std::nullopt;
  }
  std::vector<PropertyDefinition> out;
  for (const Value& p : results->GetArray()) out.push_back(property_of(p));
  return out;
}

std::optional<PropertyDefinition> parse_property(std::string_view text, std::string& error) {
  rapidjson::Document doc;
  if (!parse_doc(doc, text, error)) return std::nullopt;
  if (!doc.IsObject() || str(doc, "name").empty()) {
    error = "HubSpot property without a name";
    return std::nullopt;
  }
  return property_of(doc);
}

std::optional<Tokens> parse_tokens(std::string_view text, int64_t now_ms, std::string& error) {
  rapidjson::Document doc;
  if (!parse_doc(doc, text, error)) return std::nullopt;
  Tokens t{.access_token = str(doc, "access_token"),
           .refresh_token = str(doc, "refresh_token"),
           .expires_in_s = int_of(member(doc, "expires_in")).value_or(0)};
  if (t.access_token.empty()) {
    error = "HubSpot token answer without access_token";
    return std::nullopt;
  }
  t.expires_at_ms = t.expires_in_s > 0 ? now_ms + t.expires_in_s * 1000 : 0;
  return t;
}

std::optional<TokenInfo> parse_token_info(std::string_view text, std::string& error) {
  rapidjson::Document doc;
  if (!parse_doc(doc, text, error)) return std::nullopt;
  if (!doc.IsObject()) {
    error = "HubSpot token info is not an object";
    return std::nullopt;
  }
  TokenInfo info{.hub_domain = str(doc, "hub_domain"),
                 .user = str(doc, "user"),
                 .hub_id = int_of(member(doc, "hub_id")).value_or(0),
                 .app_id = int_of(member(doc, "app_id")).value_or(0),
                 .user_id = int_of(member(doc, "user_id")).value_or(0),
                 .expires_in_s = int_of(member(doc, "expires_in")).value_or(0)};
  if (const Value* scopes = member(doc, "scopes"); scopes && scopes->IsArray()) {
    for (const Value& s : scopes->GetArray()) {
      if (auto t = text_of(&s)) info.scopes.push_back(*t);
    }
  }
  return info;
}

std::string properties_body(const std::map<std::string, std::string>& properties) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  w.Key("properties");
  write_string_map(w, properties);
  w.EndObject();
  return done(buffer);
}

std::string batch_update_body(const std::vector<DealUpdate>& updates, size_t from, size_t to) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  w.Key("inputs");
  w.StartArray();
  for (size_t i = from; i < to; ++i) {
    w.StartObject();
    w.Key("id");
    w.String(updates[i].id.c_str());
    w.Key("properties");
    write_string_map(w, updates[i].properties);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return done(buffer);
}

std::string batch_read_body(const std::vector<std::string>& ids, size_t from, size_t to,
                            const std::vector<std::string>& properties) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  w.Key("properties");
  write_strings(w, properties);
  w.Key("inputs");
  w.StartArray();
  for (size_t i = from; i < to; ++i) {
    w.StartObject();
    w.Key("id");
    w.String(ids[i].c_str());
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return done(buffer);
}

std::string batch_create_body(const std::vector<std::map<std::string, std::string>>& inputs,
                              size_t from, size_t to) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  w.Key("inputs");
  w.StartArray();
  for (size_t i = from; i < to; ++i) {
    w.StartObject();
    w.Key("properties");
    write_string_map(w, inputs[i]);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return done(buffer);
}

std::string search_eq_body(const std::string& property, const std::string& value,
                           const std::vector<std::string>& properties, int limit,
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
  w.String(property.c_str());
  w.Key("operator");
  w.String("EQ");
  w.Key("value");
  w.String(value.c_str(), static_cast<rapidjson::SizeType>(value.size()));
  w.EndObject();
  w.EndArray();
  w.EndObject();
  w.EndArray();
  w.Key("properties");
  write_strings(w, properties);
  w.Key("limit");
  w.Int(limit);
  if (after) {
    w.Key("after");
    w.String(after->c_str());
  }
  w.EndObject();
  return done(buffer);
}

std::string property_body(const NewProperty& p) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  w.Key("name");
  w.String(p.name.c_str());
  w.Key("label");
  w.String(p.label.c_str(), static_cast<rapidjson::SizeType>(p.label.size()));
  w.Key("type");
  w.String(p.type.c_str());
  w.Key("fieldType");
  w.String(p.field_type.c_str());
  w.Key("groupName");
  w.String(p.group_name.c_str());
  if (p.has_unique_value) {
    w.Key("hasUniqueValue");
    w.Bool(true);
  }
  w.EndObject();
  return done(buffer);
}

}  // namespace hbsync::hubspot::json
