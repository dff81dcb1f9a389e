#include "search.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <set>

#include "util.hpp"

namespace hbsync::sim_hubspot {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

const std::set<std::string>& operators() {
  static const std::set<std::string> ops = {"EQ",
                                            "NEQ",
                                            "LT",
                                            "LTE",
                                            "GT",
                                            "GTE",
                                            "BETWEEN",
                                            "IN",
                                            "NOT_IN",
                                            "HAS_PROPERTY",
                                            "NOT_HAS_PROPERTY",
                                            "CONTAINS_TOKEN",
                                            "NOT_CONTAINS_TOKEN"};
  return ops;
}

std::string scalar(const rapidjson::Value& v, const std::string& where) {
  auto text = property_text(v);
  if (!text || v.IsNull()) throw validation_error(where + " must be a string or number");
  return *text;
}

// Comparable number for number and date properties; nullopt for text.
std::optional<double> numeric(const PropertyDef* def, const std::string& text) {
  if (def == nullptr) return std::nullopt;
  if (def->type == "number") {
    char* end = nullptr;
    double d = std::strtod(text.c_str(), &end);
    if (end == text.c_str() || *end != '\0') return std::nullopt;
    return d;
  }
  if (def->type == "datetime" || def->type == "date") {
    if (auto ms = parse_id(text)) return static_cast<double>(*ms);
    if (auto ms = parse_iso8601(text)) return static_cast<double>(*ms);
  }
  return std::nullopt;
}

// <0, 0, >0; text compares case-insensitively, as HubSpot's index does.
int compare(const PropertyDef* def, const std::string& stored, const std::string& given) {
  auto a = numeric(def, stored);
  auto b = numeric(def, given);
  if (a && b) return *a < *b ? -1 : (*a > *b ? 1 : 0);
  std::string x = lower(stored);
  std::string y = lower(given);
  return x < y ? -1 : (x > y ? 1 : 0);
}

bool wildcard_match(std::string_view pattern, std::string_view text) {
  if (pattern.empty()) return text.empty();
  if (pattern[0] == '*') {
    for (size_t i = 0; i <= text.size(); ++i) {
      if (wildcard_match(pattern.substr(1), text.substr(i))) return true;
    }
    return false;
  }
  return !text.empty() && pattern[0] == text[0] &&
         wildcard_match(pattern.substr(1), text.substr(1));
}

bool contains_token(const std::string& stored, const std::string& token) {
  std::string text = lower(stored);
  std::string pattern = lower(token);
  if (wildcard_match(pattern, text)) return true;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find_first_of(" \t\n,.;:-_/@", start);
    if (end == std::string::npos) end = text.size();
    if (end > start && wildcard_match(pattern, text.substr(start, end - start))) return true;
    start = end + 1;
  }
  return false;
}

}  // namespace

SearchRequest parse_search(const Portal& portal, ObjectKind kind, const rapidjson::Value& body) {
  if (!body.IsObject()) throw validation_error("Invalid input JSON: expected an object");
  SearchRequest request;
  if (auto it = body.FindMember("limit"); it != body.MemberEnd()) {
    if (!it->value.IsInt()) throw validation_error("limit must be an integer");
    request.limit = it->value.GetInt();
    if (request.limit < 0 || request.limit > kSearchMaxLimit) {
      throw validation_error("limit must be between 0 and " + std::to_string(kSearchMaxLimit));
    }
  }
  if (auto it = body.FindMember("after"); it != body.MemberEnd() && !it->value.IsNull()) {
    std::string after = scalar(it->value, "after");
    auto offset = parse_id(after);
    if (!after.empty() && !offset) throw validation_error("after must be a paging cursor");
    request.after = offset.value_or(0);
  }
  if (request.after + request.limit > kSearchMaxDepth) {
    throw validation_error("Search results are limited to " + std::to_string(kSearchMaxDepth) +
                           " records; narrow the filters");
  }
  if (auto it = body.FindMember("query"); it != body.MemberEnd()) {
    if (!it->value.IsString()) throw validation_error("query must be a string");
    request.query = it->value.GetString();
  }
  if (auto it = body.FindMember("properties"); it != body.MemberEnd()) {
    if (!it->value.IsArray()) throw validation_error("properties must be an array of strings");
    for (const auto& p : it->value.GetArray()) {
      if (!p.IsString()) throw validation_error("properties must be an array of strings");
      request.properties.emplace_back(p.GetString(), p.GetStringLength());
    }
  }
  if (auto it = body.FindMember("sorts"); it != body.MemberEnd()) {
    if (!it->value.IsArray()) throw validation_error("sorts must be an array");
    if (it->value.Size() > 1) throw validation_error("Only one sort is supported");
    for (const auto& s : it->value.GetArray()) {
      if (s.IsString()) {
        std::string text = s.GetString();
        request.descending = !text.empty() && text[0] == '-';
        request.sort_property = request.descending ? text.substr(1) : text;
      } else if (s.IsObject() && s.HasMember("propertyName") && s["propertyName"].IsString()) {
        request.sort_property = s["propertyName"].GetString();
        if (s.HasMember("direction")) {
          std::string direction = s["direction"].IsString() ? s["direction"].GetString() : "";
          if (direction != "ASCENDING" && direction != "DESCENDING") {
            throw validation_error("sort direction must be ASCENDING or DESCENDING");
          }
          request.descending = direction == "DESCENDING";
        }
      } else {
        throw validation_error("each sort needs a propertyName");
      }
      if (portal.property(kind, request.sort_property) == nullptr) {
        throw validation_error("Unknown sort property " + request.sort_property);
      }
    }
  }
  int total_filters = 0;
  if (auto it = body.FindMember("filterGroups"); it != body.MemberEnd()) {
    if (!it->value.IsArray()) throw validation_error("filterGroups must be an array");
    if (static_cast<int>(it->value.Size()) > kSearchMaxGroups) {
      throw validation_error("Too many filter groups: at most " + std::to_string(kSearchMaxGroups));
    }
    for (const auto& g : it->value.GetArray()) {
      if (!g.IsObject() || !g.HasMember("filters") || !g["filters"].IsArray()) {
        throw validation_error("each filter group needs a filters array");
      }
      const auto& filters = g["filters"];
      if (static_cast<int>(filters.Size()) > kSearchMaxFiltersPerGroup) {
        throw validation_error("Too many filters in a group: at most " +
                               std::to_string(kSearchMaxFiltersPerGroup));
      }
      std::vector<SearchFilter> group;
      for (const auto& f : filters.GetArray()) {
        if (++total_filters > kSearchMaxFilters) {
          throw validation_error("Too many filters: at most " + std::to_string(kSearchMaxFilters));
        }
        if (!f.IsObject() || !f.HasMember("propertyName") || !f["propertyName"].IsString() ||
            !f.HasMember("operator") || !f["operator"].IsString()) {
          throw validation_error("each filter needs propertyName and operator");
        }
        SearchFilter filter;
        filter.property = f["propertyName"].GetString();
        filter.op = f["operator"].GetString();
        if (operators().count(filter.op) == 0) {
          throw validation_error("Unknown filter operator " + filter.op);
        }
        if (portal.property(kind, filter.property) == nullptr) {
          throw validation_error("Unknown filter property " + filter.property);
        }
        bool needs_value = filter.op != "HAS_PROPERTY" && filter.op != "NOT_HAS_PROPERTY" &&
                           filter.op != "IN" && filter.op != "NOT_IN";
        if (needs_value) {
          if (!f.HasMember("value")) {
            throw validation_error("filter " + filter.property + " " + filter.op +
                                   " needs a value");
          }
          filter.value = scalar(f["value"], "value");
        }
        if (filter.op == "BETWEEN") {
          if (!f.HasMember("highValue")) throw validation_error("BETWEEN needs highValue");
          filter.high_value = scalar(f["highValue"], "highValue");
        }
        if (filter.op == "IN" || filter.op == "NOT_IN") {
          if (!f.HasMember("values") || !f["values"].IsArray() || f["values"].Empty()) {
            throw validation_error(filter.op + " needs a non-empty values array");
          }
          for (const auto& v : f["values"].GetArray()) filter.values.push_back(scalar(v, "values"));
        }
        group.push_back(std::move(filter));
      }
      request.groups.push_back(std::move(group));
    }
  }
  return request;
}

bool matches(const Portal& portal, ObjectKind kind, const CrmObject& object,
             const SearchFilter& filter) {
  const PropertyDef* def = portal.property(kind, filter.property);
  std::optional<std::string> stored = object.value(filter.property);
  bool has = stored.has_value() && !stored->empty();
  const std::string& op = filter.op;
  if (op == "HAS_PROPERTY") return has;
  if (op == "NOT_HAS_PROPERTY") return !has;
  if (op == "NEQ") return !has || compare(def, *stored, filter.value) != 0;
  if (op == "NOT_IN" || op == "IN") {
    bool found = false;
    if (has) {
      // HubSpot documents that IN/NOT_IN values for string properties must be
      // lower case: the index holds lower-cased text and the values are not.
      bool text = def == nullptr || def->type == "string" || def->type == "phone_number";
      std::string candidate = text ? lower(*stored) : *stored;
      for (const std::string& v : filter.values) {
        if (text ? candidate == v : compare(def, *stored, v) == 0) found = true;
      }
    }
    return op == "IN" ? found : !found;
  }
  if (op == "NOT_CONTAINS_TOKEN") return !has || !contains_token(*stored, filter.value);
  if (!has) return false;
  if (op == "EQ") return compare(def, *stored, filter.value) == 0;
  if (op == "LT") return compare(def, *stored, filter.value) < 0;
  if (op == "LTE") return compare(def, *stored, filter.value) <= 0;
  if (op == "GT") return compare(def, *stored, filter.value) > 0;
  if (op == "GTE") return compare(def, *stored, filter.value) >= 0;
  if (op == "BETWEEN") {
    return compare(def, *stored, filter.value) >= 0 &&
           compare(def, *stored, filter.high_value) <= 0;
  }
  if (op == "CONTAINS_TOKEN") return contains_token(*stored, filter.value);
  return false;
}

SearchResult run_search(const Portal& portal, ObjectKind kind, const SearchRequest& request,
                        int64_t now_ms) {
  std::vector<CrmObject> hits;
  for (CrmObject& object : portal.search_view(kind, now_ms)) {
    bool ok = request.groups.empty();
    for (const auto& group : request.groups) {
      bool all = std::all_of(group.begin(), group.end(), [&](const SearchFilter& f) {
        return matches(portal, kind, object, f);
      });
      if (all) {
        ok = true;
        break;
      }
    }
    if (ok && !request.query.empty()) {
      static const std::vector<std::string> deal_fields = {"dealname"};
      static const std::vector<std::string> company_fields = {"name", "domain", "website", "phone"};
      const auto& fields = kind == ObjectKind::deal ? deal_fields : company_fields;
      std::string q = lower(request.query);
      ok = std::any_of(fields.begin(), fields.end(), [&](const std::string& f) {
        auto v = object.value(f);
        return v && lower(*v).find(q) != std::string::npos;
      });
    }
    if (ok) hits.push_back(std::move(object));
  }
  if (!request.sort_property.empty()) {
    const PropertyDef* def = portal.property(kind, request.sort_property);
    std::stable_sort(hits.begin(), hits.end(), [&](const CrmObject& a, const CrmObject& b) {
      auto va = a.value(request.sort_property);
      auto vb = b.value(request.sort_property);
      // Records without the value sort last either way.
      if (!va || !vb) return va.has_value() && !vb.has_value();
      int c = compare(def, *va, *vb);
      return request.descending ? c > 0 : c < 0;
    });
  }
  SearchResult result;
  result.total = static_cast<int64_t>(hits.size());
  auto begin = std::min<int64_t>(request.after, result.total);
  auto end = std::min<int64_t>(begin + request.limit, result.total);
  for (auto i = begin; i < end; ++i) result.page.push_back(std::move(hits[static_cast<size_t>(i)]));
  if (end < result.total && request.limit > 0) result.next_after = end;
  return result;
}

}  // namespace hbsync::sim_hubspot
