#include "api.hpp"

#include <cctype>

#include "hbsync/http/url.hpp"

namespace hbsync::simboard::api {

void route(http::Router& router, simkit::Kit& kit, Board& board, std::string method,
           std::string pattern, std::string_view operation, Handler handler) {
  simkit::add_api_route_sync(
      router, kit, std::move(method), std::move(pattern),
      [&kit, &board, operation, handler = std::move(handler)](http::Request& request) {
        auto admitted = board.admit(request, operation, kit.faults());
        if (auto* refusal = std::get_if<http::Response>(&admitted)) return std::move(*refusal);
        return handler(request, std::get<std::string>(admitted));
      });
}

std::optional<int64_t> path_id(const http::Request& request, const char* name) {
  std::string text = request.path_param(name).value_or("");
  if (text.empty() || text.size() > 18) return std::nullopt;
  int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

Outcome<rapidjson::Document> body_of(const http::Request& request) {
  rapidjson::Document doc;
  doc.SetObject();
  std::string_view type = request.headers.get("content-type").value_or("");
  bool form = http::iequals(type.substr(0, 33), "application/x-www-form-urlencoded");
  if (form) {
    auto& alloc = doc.GetAllocator();
    for (const auto& [key, value] : http::parse_query(request.body)) {
      bool array = key.size() > 2 && key.compare(key.size() - 2, 2, "[]") == 0;
      std::string name = array ? key.substr(0, key.size() - 2) : key;
      rapidjson::Value name_value(name, alloc);
      rapidjson::Value text(value, alloc);
      auto it = doc.FindMember(name_value);
      if (array) {
        if (it == doc.MemberEnd()) {
          rapidjson::Value items(rapidjson::kArrayType);
          items.PushBack(text, alloc);
          doc.AddMember(name_value, items, alloc);
        } else if (it->value.IsArray()) {
          it->value.PushBack(text, alloc);
        }
      } else if (it == doc.MemberEnd()) {
        doc.AddMember(name_value, text, alloc);
      }
    }
    return doc;
  }
  // Rails parses a body only by its declared type: JSON sent without
  // Content-Type: application/json reaches board as no parameters at all.
  std::string lowered(type);
  for (char& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (request.body.empty() || lowered.rfind("application/json", 0) != 0) return doc;
  if (auto error = simkit::parse_json(request.body, doc, false)) return bad_request(*error);
  // A JSON array or scalar carries no named parameters.
  if (!doc.IsObject()) doc.SetObject();
  return doc;
}

}  // namespace hbsync::simboard::api
